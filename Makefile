# The two commands (README.md): `make run` starts the assistant, `make test` runs the tests.
# Both set everything up first (scripts/bootstrap.sh): Python 3.10 venv, locked versions.
.PHONY: run test setup train services

setup:
	@scripts/bootstrap.sh

# `exec`: the launcher takes the place of make's shell, so make's SIGTERM (the one signal make
# passes on; systemd, Docker) reaches it directly; and it stops everything if make dies.
run: setup
	@exec .venv/bin/python -m launcher run --stop-with-parent

# `make test SERVICES=1`: then the end-to-end and storage tests again on PostgreSQL + Redis
# (started by scripts/services.sh), as .ci/run does.
test:
	@scripts/test.sh $(if $(SERVICES),--services)

# PostgreSQL and Redis for the scale topology (README.md): installed if missing, started on
# 127.0.0.1; prints the DATABASE_URL, TRACKER_STORE_URL and REDIS_URL to use.
services:
	@scripts/services.sh start

train: setup
	@.venv/bin/python -m launcher train
