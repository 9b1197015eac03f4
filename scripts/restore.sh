#!/usr/bin/env bash
# Restores a logical backup (scripts/backup.sh logical) into a new database and checks it (see README, "Backup and restore").
#
#   scripts/restore.sh FILE [DATABASE]
#
# Creates DATABASE (default returnsactors) on the target PostgreSQL, which must not have it yet, runs pg_restore into it, then the
# silo's 'migrate' (opens a new log epoch when the target is another PostgreSQL cluster, so the webhooks, connectors and the read
# model carry on without skipping what is appended from now on) and 'check-restore' (every return's chain, each subscriber's lag).
# Start the silos only after it succeeded. A physical backup is restored by PostgreSQL itself: see the README.
#
# Settings (environment): RA_PG_HOST (127.0.0.1), RA_PG_PORT (55432), RA_PG_USER (postgres); RA_SILO, the command that runs the silo's
# operator verbs (default: dotnet src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll; in the container image
# dotnet /app/ReturnsActors.Silo.dll).
set -euo pipefail

pg_host=${RA_PG_HOST:-127.0.0.1}
pg_port=${RA_PG_PORT:-55432}
pg_user=${RA_PG_USER:-postgres}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_bin=${pg_bin:-$(dirname "$(command -v pg_restore)")}
silo=${RA_SILO:-dotnet $(dirname "$0")/../src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll}

[ $# -ge 1 ] && [ $# -le 2 ] && [ -f "$1" ] || { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
dump=$1
database=${2:-returnsactors}
[[ $database =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: '$database' is not a plain database name" >&2; exit 2; }

psql() { "$pg_bin/psql" -h "$pg_host" -p "$pg_port" -U "$pg_user" -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$database'")" != 0 ]; then
  echo "restore: database $database exists at $pg_host:$pg_port; restore into a new one" >&2
  exit 2
fi

psql -d postgres -c "CREATE DATABASE $database"
"$pg_bin/pg_restore" -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$database" --no-owner --no-privileges --exit-on-error "$dump"
connection="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$database"
# shellcheck disable=SC2086 # RA_SILO is a command line
$silo migrate --postgres "$connection"
# shellcheck disable=SC2086
$silo check-restore --postgres "$connection"
echo "restore: $dump is in $database at $pg_host:$pg_port; start the silos on it"
