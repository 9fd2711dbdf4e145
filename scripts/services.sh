#!/usr/bin/env bash
# PostgreSQL and Redis for the scale topology (README.md, "Running on PostgreSQL and Redis"):
# installed from Debian's packages when missing, started on 127.0.0.1 on their own ports,
# password-authenticated, with their data in SERVICES_DIR. Nothing of the system's own
# PostgreSQL or Redis (their default ports, clusters and services) is touched.
#
#   scripts/services.sh [start]   install if missing, start (idempotent), print the URLs
#   scripts/services.sh env       print the URLs only (`eval "$(scripts/services.sh env)"`)
#   scripts/services.sh stop      stop both
#   scripts/services.sh status
#
# The URLs go to stdout as `export NAME=value` lines; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$(pwd)

PG_PORT=${SERVICES_POSTGRES_PORT:-55432}
REDIS_PORT=${SERVICES_REDIS_PORT:-56379}
ROLE=talking_stick

say() { echo "services: $*" >&2; }

# PostgreSQL refuses to run as root, so as root it runs as Debian's `postgres` user, and its
# data can't sit under var/ (readable by its owner, root, only): the default is then a folder
# of /var/lib/talking-stick named after this clone.
if [ -n "${SERVICES_DIR:-}" ]; then
  DIR=$SERVICES_DIR
elif [ "$(id -u)" -eq 0 ]; then
  DIR=/var/lib/talking-stick/services-$(printf '%s' "$PROJECT" | sha256sum | cut -c1-12)
else
  DIR=$PROJECT/var/services
fi
PGDATA=$DIR/postgresql
PGRUN=$DIR/postgresql-run
REDIS_DIR=$DIR/redis
PASSWORD_FILE=$DIR/password

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

install_missing() {
  local wanted=()
  pg_bin >/dev/null || wanted+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || wanted+=(redis-server)
  [ ${#wanted[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "${wanted[*]} not installed. Install them from Debian's packages, then run this again:"
    say "  sudo apt-get install -y --no-install-recommends ${wanted[*]}"
    say "(or run this script as root: it installs them itself)."
    exit 1
  fi
  say "installing ${wanted[*]} from Debian's packages ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" >&2
}

password() {
  if [ ! -s "$PASSWORD_FILE" ]; then
    (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$PASSWORD_FILE")
  fi
  cat "$PASSWORD_FILE"
}

prepare_dirs() {
  mkdir -p "$DIR" "$PGDATA" "$PGRUN" "$REDIS_DIR"
  chmod 0700 "$DIR" "$PGDATA" "$PGRUN" "$REDIS_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chmod 0711 "$DIR"  # postgres may pass through to its own folders, not list this one
    chown postgres:postgres "$PGDATA" "$PGRUN"
  fi
}

pg_running() {
  as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

start_postgres() {
  local bin pw
  bin=$(pg_bin)
  pw=$(password)
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $PGDATA"
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "$pw" > "$pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
    as_postgres "$bin/initdb" -D "$PGDATA" -U "$ROLE" --pwfile="$pwfile" \
      --auth=scram-sha-256 -E UTF8 --no-locale >/dev/null
    rm -f "$pwfile"
  fi
  if ! pg_running; then
    as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PGRUN" >/dev/null
    say "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  local database
  for database in talking_stick rasa_tracker; do
    if ! PGPASSWORD=$pw "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
      PGPASSWORD=$pw "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" "$database"
    fi
  done
}

redis_cli() {
  REDISCLI_AUTH=$(password) redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

start_redis() {
  if redis_cli ping 2>/dev/null | grep -q PONG; then
    return
  fi
  # Rasa's lock store and the bot's per-chat locks only: nothing to keep across restarts.
  (umask 077; cat > "$REDIS_DIR/redis.conf" <<EOF
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
requirepass $(password)
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
save ""
appendonly no
EOF
  )
  redis-server "$REDIS_DIR/redis.conf"
  for _ in $(seq 50); do
    redis_cli ping 2>/dev/null | grep -q PONG && { say "Redis started on 127.0.0.1:$REDIS_PORT"; return; }
    sleep 0.2
  done
  say "Redis did not start: see $REDIS_DIR/redis.log"
  exit 1
}

print_env() {
  local pw
  pw=$(password)
  echo "export DATABASE_URL=postgresql://$ROLE:$pw@127.0.0.1:$PG_PORT/talking_stick"
  echo "export TRACKER_STORE_URL=postgresql://$ROLE:$pw@127.0.0.1:$PG_PORT/rasa_tracker"
  echo "export REDIS_URL=redis://:$pw@127.0.0.1:$REDIS_PORT/0"
}

case "${1:-start}" in
  start)
    install_missing
    prepare_dirs
    start_postgres
    start_redis
    say "data in $DIR; the variables to use (eval \"\$(scripts/services.sh env)\"):"
    print_env
    ;;
  env)
    [ -s "$PASSWORD_FILE" ] || { say "not set up yet: run scripts/services.sh first"; exit 1; }
    print_env
    ;;
  stop)
    if pg_bin >/dev/null && [ -s "$PGDATA/PG_VERSION" ] && pg_running; then
      as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && say "PostgreSQL stopped"
    fi
    if [ -s "$PASSWORD_FILE" ] && redis_cli ping 2>/dev/null | grep -q PONG; then
      redis_cli shutdown nosave >/dev/null 2>&1 || true
      say "Redis stopped"
    fi
    ;;
  status)
    if pg_bin >/dev/null && [ -s "$PGDATA/PG_VERSION" ] && pg_running; then
      say "PostgreSQL: running on 127.0.0.1:$PG_PORT"
    else
      say "PostgreSQL: stopped"
    fi
    if [ -s "$PASSWORD_FILE" ] && redis_cli ping 2>/dev/null | grep -q PONG; then
      say "Redis: running on 127.0.0.1:$REDIS_PORT"
    else
      say "Redis: stopped"
    fi
    ;;
  *)
    say "usage: scripts/services.sh [start|env|stop|status]"
    exit 2
    ;;
esac
