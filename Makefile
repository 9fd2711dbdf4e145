# The two commands (README.md): `make run` starts the assistant, `make test` runs the tests.
# Both set everything up first (scripts/bootstrap.sh): Python 3.10 venv, locked versions.
.PHONY: run test setup train

setup:
	@scripts/bootstrap.sh

run: setup
	@.venv/bin/python -m launcher run

test:
	@scripts/test.sh

train: setup
	@.venv/bin/python -m launcher train
