#!/usr/bin/env bash
# A local Cluster-profile cluster of N silos on this machine, against scripts/services.sh's PostgreSQL and Redis.
#   scripts/cluster.sh start [N]   build once, then start N silos (default 3): HTTP 5081.., silo 11112.., gateway 30001..
#   scripts/cluster.sh stop        SIGTERM every silo (graceful: readiness off, drain, leave the cluster)
#   scripts/cluster.sh status      pid, ports and /health/ready of each silo
# Logs and pids live in $RA_CLUSTER_DIR (default /tmp/returnsactors-cluster).
# RA_TLS=1: silo-to-silo TLS and an encrypted key ring with the certificates of deploy/tls (scripts/dev-cert.sh, run if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

RA_CLUSTER_DIR=${RA_CLUSTER_DIR:-/tmp/returnsactors-cluster}
RA_ADMIN_API_KEY=${RA_ADMIN_API_KEY:-ra_local_cluster_admin_key_change_me}
silo_dll=src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll

start() {
  local n=${1:-3}
  scripts/services.sh start
  dotnet build src/Silo/ReturnsActors.Silo -c Release -nologo -v quiet
  eval "$(scripts/services.sh env)"
  mkdir -p "$RA_CLUSTER_DIR"
  if [ -n "${RA_TLS:-}" ]; then
    [ -f deploy/tls/cluster.pfx ] || scripts/dev-cert.sh
    export ReturnsActors__Silo__Tls__CertificateFile="$PWD/deploy/tls/cluster.pfx"
    export ReturnsActors__Silo__Tls__CertificatePassword_FILE="$PWD/deploy/tls/pfx-password"
    export ReturnsActors__DataProtection__CertificateFile="$PWD/deploy/tls/dataprotection.pfx"
    export ReturnsActors__DataProtection__CertificatePassword_FILE="$PWD/deploy/tls/pfx-password"
  fi
  dotnet "$silo_dll" migrate
  for i in $(seq 1 "$n"); do
    if [ -f "$RA_CLUSTER_DIR/silo$i.pid" ] && kill -0 "$(cat "$RA_CLUSTER_DIR/silo$i.pid")" 2>/dev/null; then
      echo "silo$i already running"; continue
    fi
    ReturnsActors__Profile=Cluster \
    ReturnsActors__ClusterId=returnsactors-local \
    ReturnsActors__Silo__Name="silo$i" \
    ReturnsActors__Silo__SiloPort=$((11111 + i)) \
    ReturnsActors__Silo__GatewayPort=$((30000 + i)) \
    ReturnsActors__Http__Port=$((5080 + i)) \
    ReturnsActors__Bootstrap__AdminApiKey="$RA_ADMIN_API_KEY" \
    ReturnsActors__Postgres__MigrateOnStart=false \
    ReturnsActors__Membership__ProbeTimeout=00:00:02 \
    ReturnsActors__Membership__NumVotesForDeathDeclaration=1 \
    ReturnsActors__Membership__IAmAliveTablePublishTimeout=00:00:05 \
    ReturnsActors__Membership__DeathVoteExpirationTimeout=00:00:30 \
      nohup dotnet "$silo_dll" >"$RA_CLUSTER_DIR/silo$i.log" 2>&1 &
    echo $! >"$RA_CLUSTER_DIR/silo$i.pid"
  done
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 120); do
      curl -fs "http://127.0.0.1:$((5080 + i))/health/ready" >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
  status
}

stop() {
  local pidfile pid
  for pidfile in "$RA_CLUSTER_DIR"/silo*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      echo "$(basename "$pidfile" .pid) stopped"
    fi
    rm -f "$pidfile"
  done
}

status() {
  local pidfile name i pid ready
  for pidfile in "$RA_CLUSTER_DIR"/silo*.pid; do
    [ -e "$pidfile" ] || { echo "no silos"; return; }
    name=$(basename "$pidfile" .pid); i=${name#silo}; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((5080 + i))/health/ready" || true)
      echo "$name pid $pid http :$((5080 + i)) silo :$((11111 + i)) gateway :$((30000 + i)) ready=$ready log $RA_CLUSTER_DIR/$name.log"
    else
      echo "$name not running (log $RA_CLUSTER_DIR/$name.log)"
    fi
  done
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh start [N]|stop|status" >&2; exit 2 ;;
esac
