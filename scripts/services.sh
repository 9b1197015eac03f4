#!/usr/bin/env bash
# Local PostgreSQL and Redis for the Cluster profile and the integration tests.
#   scripts/services.sh start|stop|status|env   (pg-start|pg-stop|redis-start|redis-stop for one of them)
# PostgreSQL runs from the machine's binaries as the `postgres` user on 127.0.0.1:$RA_PG_PORT;
# redis-server (installed from apt when missing) on 127.0.0.1:$RA_REDIS_PORT with AOF on.
set -euo pipefail

RA_PG_PORT=${RA_PG_PORT:-55432}
RA_REDIS_PORT=${RA_REDIS_PORT:-56379}
RA_STATE_DIR=${RA_STATE_DIR:-/tmp/returnsactors-services}
PG_DATA="$RA_STATE_DIR/pg-$RA_PG_PORT"
REDIS_DIR="$RA_STATE_DIR/redis-$RA_REDIS_PORT"
PG_DB=returnsactors

log() { echo "services: $*" >&2; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
  done | sort -V | tail -n 1
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  fi
}

ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  id postgres >/dev/null 2>&1 || { log "there is no 'postgres' user to run PostgreSQL as"; exit 1; }
}

pg_running() { [ -n "$(pg_bin)" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }
redis_running() { redis-cli -h 127.0.0.1 -p "$RA_REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_pg() {
  local bin; bin=$(pg_bin)
  mkdir -p "$RA_STATE_DIR"; chmod 755 "$RA_STATE_DIR"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"; chown postgres: "$PG_DATA"; chmod 700 "$PG_DATA"
    as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
  fi
  if ! pg_running; then
    as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $RA_PG_PORT -k $PG_DATA -c max_connections=300 -c fsync=on" >/dev/null
  fi
  if ! as_postgres psql -h 127.0.0.1 -p "$RA_PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'" | grep -q 1; then
    as_postgres psql -h 127.0.0.1 -p "$RA_PG_PORT" -U postgres -qc "CREATE DATABASE $PG_DB" >/dev/null
  fi
  log "PostgreSQL on 127.0.0.1:$RA_PG_PORT (data $PG_DATA)"
}

stop_pg() {
  if pg_running; then as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null; log "PostgreSQL stopped"; fi
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  if ! redis_running; then
    redis-server --bind 127.0.0.1 --port "$RA_REDIS_PORT" --dir "$REDIS_DIR" --appendonly yes --appendfsync everysec \
      --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save ""
    for _ in $(seq 1 50); do redis_running && break; sleep 0.1; done
    redis_running || { log "redis-server did not start; see $REDIS_DIR/redis.log"; exit 1; }
  fi
  log "Redis on 127.0.0.1:$RA_REDIS_PORT (AOF in $REDIS_DIR)"
}

stop_redis() {
  if redis_running; then redis-cli -h 127.0.0.1 -p "$RA_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; log "Redis stopped"; fi
}

print_env() {
  echo "export ReturnsActors__Postgres__ConnectionString='Host=127.0.0.1;Port=$RA_PG_PORT;Username=postgres;Database=$PG_DB'"
  echo "export ReturnsActors__Redis__ConnectionString='127.0.0.1:$RA_REDIS_PORT'"
}

case "${1:-}" in
  start) ensure_packages; start_pg; start_redis ;;
  stop) stop_redis; stop_pg ;;
  pg-start) ensure_packages; start_pg ;;
  pg-stop) stop_pg ;;
  redis-start) ensure_packages; start_redis ;;
  redis-stop) stop_redis ;;
  status)
    pg_running && echo "postgres: running on 127.0.0.1:$RA_PG_PORT" || echo "postgres: stopped"
    redis_running && echo "redis: running on 127.0.0.1:$RA_REDIS_PORT" || echo "redis: stopped" ;;
  env) print_env ;;
  *) echo "usage: scripts/services.sh start|stop|status|env|pg-start|pg-stop|redis-start|redis-stop" >&2; exit 2 ;;
esac
