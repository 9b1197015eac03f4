#!/usr/bin/env bash
# Backs up the Cluster profile's PostgreSQL database (see README, "Backup and restore").
#
#   scripts/backup.sh logical  FILE   pg_dump -Fc of the database into FILE (one consistent snapshot; restore with scripts/restore.sh)
#   scripts/backup.sh physical DIR    pg_basebackup of the whole PostgreSQL cluster into DIR (tar, compressed, with the WAL it needs);
#                                     with a WAL archive (archive_mode/archive_command) it is the base for point-in-time recovery
#
# Settings (environment): RA_PG_HOST (127.0.0.1), RA_PG_PORT (55432), RA_PG_USER (postgres), RA_PG_DATABASE (returnsactors).
# The password, if any, comes from PGPASSWORD or ~/.pgpass, never from the command line.
set -euo pipefail

pg_host=${RA_PG_HOST:-127.0.0.1}
pg_port=${RA_PG_PORT:-55432}
pg_user=${RA_PG_USER:-postgres}
pg_database=${RA_PG_DATABASE:-returnsactors}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_bin=${pg_bin:-$(dirname "$(command -v pg_dump)")}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
[ $# -eq 2 ] || usage

case $1 in
  logical)
    # -Fc: compressed, restorable table by table and in parallel; one snapshot, so the event log, the grain state, the delivery
    # checkpoints and the reminders are consistent with each other.
    "$pg_bin/pg_dump" -h "$pg_host" -p "$pg_port" -U "$pg_user" -Fc --no-owner --no-privileges -f "$2.partial" "$pg_database"
    mv "$2.partial" "$2"
    echo "backup: $2 ($(du -h "$2" | cut -f1)) of $pg_database at $pg_host:$pg_port"
    ;;
  physical)
    [ ! -e "$2" ] || { echo "backup: $2 exists; name a new directory" >&2; exit 2; }
    "$pg_bin/pg_basebackup" -h "$pg_host" -p "$pg_port" -U "$pg_user" -D "$2" -Ft -z -X stream --checkpoint=fast --progress
    echo "backup: base backup of the cluster at $pg_host:$pg_port in $2"
    ;;
  *) usage ;;
esac
