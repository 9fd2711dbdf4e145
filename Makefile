# The two commands (README.md): `make run` starts the assistant, `make test` runs the tests.
# Both set everything up first (scripts/bootstrap.sh): Python 3.10 venv, locked versions.
.PHONY: run test setup train

setup:
	@scripts/bootstrap.sh

# `exec`: the launcher takes the place of make's shell, so make's SIGTERM (the one signal make
# passes on; systemd, Docker) reaches it directly; and it stops everything if make dies.
run: setup
	@exec .venv/bin/python -m launcher run --stop-with-parent

test:
	@scripts/test.sh

train: setup
	@.venv/bin/python -m launcher train
