#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh and checks it (see README, "Backup and restore").
#
#   scripts/restore.sh FILE [DATABASE]             a logical backup into a new DATABASE (default returnsactors)
#   scripts/restore.sh physical DIR DATADIR        a physical (base) backup into a new PostgreSQL cluster in DATADIR
#
# Logical: creates DATABASE on the target PostgreSQL, which must not have it yet, runs pg_restore into it, then the silo's
# 'migrate' (opens a new log epoch when the target is another PostgreSQL cluster, so the webhooks, connectors and the read
# model carry on without skipping what is appended from now on) and 'check-restore' (every return's chain, each subscriber's lag).
# Physical: unpacks the base backup (base.tar.gz, pg_wal.tar.gz) into DATADIR (new or empty), replays WAL to the end of the
# backup, or with RA_WAL_ARCHIVE (a directory of archived WAL segments) further, to RA_RECOVERY_TARGET_TIME if set (point-in-time
# recovery, then promoted), starts PostgreSQL on RA_PG_PORT as the postgres user, waits for the end of recovery, then runs
# 'migrate' and 'check-restore' on RA_PG_DATABASE (default returnsactors). The cluster keeps its identity and transaction ids.
# Start the silos only after it succeeded.
#
# Settings (environment): RA_PG_HOST (127.0.0.1), RA_PG_PORT (55432), RA_PG_USER (postgres); RA_SILO, the command that runs the silo's
# operator verbs (default: dotnet src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll; in the container image
# dotnet /app/ReturnsActors.Silo.dll); for physical also RA_PG_DATABASE, RA_WAL_ARCHIVE, RA_RECOVERY_TARGET_TIME and
# RA_PG_MAX_CONNECTIONS (300; at least the backed-up cluster's, or recovery stops).
set -euo pipefail

pg_host=${RA_PG_HOST:-127.0.0.1}
pg_port=${RA_PG_PORT:-55432}
pg_user=${RA_PG_USER:-postgres}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_bin=${pg_bin:-$(dirname "$(command -v pg_restore)")}
silo=${RA_SILO:-dotnet $(dirname "$0")/../src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
psql() { "$pg_bin/psql" -h "$pg_host" -p "$pg_port" -U "$pg_user" -v ON_ERROR_STOP=1 -qAt "$@"; }
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  fi
}
check() { # migrate (rebases the log when needed) and check-restore, on $1
  local connection="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$1"
  # shellcheck disable=SC2086 # RA_SILO is a command line
  $silo migrate --postgres "$connection"
  # shellcheck disable=SC2086
  $silo check-restore --postgres "$connection"
}

if [ "${1:-}" = physical ]; then
  [ $# -eq 3 ] && [ -f "$2/base.tar.gz" ] || usage
  backup=$2
  data=$3
  [ ! -e "$data" ] || [ -z "$(ls -A "$data")" ] || { echo "restore: $data is not empty; restore into a new data folder" >&2; exit 2; }
  mkdir -p "$data"
  tar -xzf "$backup/base.tar.gz" -C "$data"
  [ ! -f "$backup/pg_wal.tar.gz" ] || tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"
  if [ -n "${RA_WAL_ARCHIVE:-}" ]; then
    # Archive recovery: replay archived WAL past the backup, to a point in time when asked, then promote.
    [ -d "$RA_WAL_ARCHIVE" ] || { echo "restore: RA_WAL_ARCHIVE $RA_WAL_ARCHIVE is not a directory" >&2; exit 2; }
    {
      echo "restore_command = 'cp $RA_WAL_ARCHIVE/%f %p'"
      if [ -n "${RA_RECOVERY_TARGET_TIME:-}" ]; then
        echo "recovery_target_time = '$RA_RECOVERY_TARGET_TIME'"
        echo "recovery_target_action = 'promote'"
      fi
    } >>"$data/postgresql.auto.conf"
    touch "$data/recovery.signal"
  fi
  # The backed-up cluster's archiving would copy the restored cluster's WAL into the same archive: off until an operator sets it.
  echo "archive_mode = off" >>"$data/postgresql.auto.conf"
  chown -R postgres: "$data" 2>/dev/null || true
  chmod 700 "$data"
  as_postgres "$pg_bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 300 start \
    -o "-c listen_addresses=$pg_host -p $pg_port -k $data -c max_connections=${RA_PG_MAX_CONNECTIONS:-300}" >/dev/null \
    || { echo "restore: PostgreSQL did not start on the restored data; see $data/server.log" >&2; tail -n 20 "$data/server.log" >&2; exit 1; }
  for _ in $(seq 1 300); do
    [ "$(psql -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
    sleep 1
  done
  [ "$(psql -d postgres -c 'SELECT pg_is_in_recovery()')" = f ] || { echo "restore: PostgreSQL is still in recovery; see $data/server.log" >&2; exit 1; }
  check "${RA_PG_DATABASE:-returnsactors}"
  echo "restore: the base backup $backup runs from $data on $pg_host:$pg_port; start the silos on it"
  exit 0
fi

[ $# -ge 1 ] && [ $# -le 2 ] && [ -f "$1" ] || usage
dump=$1
database=${2:-returnsactors}
[[ $database =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: '$database' is not a plain database name" >&2; exit 2; }

if [ "$(psql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$database'")" != 0 ]; then
  echo "restore: database $database exists at $pg_host:$pg_port; restore into a new one" >&2
  exit 2
fi

psql -d postgres -c "CREATE DATABASE $database"
"$pg_bin/pg_restore" -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$database" --no-owner --no-privileges --exit-on-error "$dump"
check "$database"
echo "restore: $dump is in $database at $pg_host:$pg_port; start the silos on it"
