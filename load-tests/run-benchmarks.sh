#!/usr/bin/env bash
# One command for the benchmark report: a silo (Cluster profile by default, or Embedded), then each scenario alone
# with the same closed-model load, beside two baselines measured in the same run: pgbench simple-update TPS against
# the same PostgreSQL (the durable-write ceiling) and a no-op HTTP endpoint of the same silo (the HTTP ceiling).
#   load-tests/run-benchmarks.sh                       Cluster profile, 3 local silos, 20 s per scenario, 16 copies
#   RA_BENCH_PROFILE=Embedded RA_BENCH_SECONDS=10 RA_BENCH_COPIES=8 load-tests/run-benchmarks.sh
#   RA_BENCH_SCENARIOS="http-noop rma-write hot-warehouse" load-tests/run-benchmarks.sh   (a subset)
# Writes load-results/bench-<time>/ (each scenario's HTML/Markdown/CSV/JSON report) and summary.md with the ratios
# and the CPU seconds used by the silo, PostgreSQL, Redis and the load generator during each scenario.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${RA_BENCH_PROFILE:-Cluster}
silos=${RA_BENCH_SILOS:-3}
[ "$profile" = Cluster ] || silos=1
seconds=${RA_BENCH_SECONDS:-20}
copies=${RA_BENCH_COPIES:-16}
port=${RA_BENCH_HTTP_PORT:-5099}
out="load-results/bench-$(date -u +%Y%m%d-%H%M%S)"
key="ra_benchmark_admin_key_0123456789abcdef"
mkdir -p "$out"

scripts/services.sh start
eval "$(scripts/services.sh env)"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dotnet build src/Silo/ReturnsActors.Silo -c Release -nologo -v quiet
dotnet build load-tests/ReturnsActors.LoadTests -c Release -nologo -v quiet
silo_dll=src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll
harness_dll=load-tests/ReturnsActors.LoadTests/bin/Release/net10.0/ReturnsActors.LoadTests.dll

db=returnsactors_bench
psql -h 127.0.0.1 -p 55432 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres
pg="Host=127.0.0.1;Port=55432;Username=postgres;Database=$db;Maximum Pool Size=100"
cluster_id="bench-$(date +%s)"

silo_pids=()
for i in $(seq 1 "$silos"); do
  ReturnsActors__Profile=$profile ReturnsActors__ClusterId=$cluster_id ReturnsActors__Http__Port=$((port + i - 1)) \
  ReturnsActors__Silo__Name=bench$i ReturnsActors__Silo__SiloPort=$((11189 + i)) ReturnsActors__Silo__GatewayPort=$((30089 + i)) \
  ReturnsActors__Postgres__ConnectionString="$pg" ReturnsActors__Bootstrap__AdminApiKey=$key \
  ReturnsActors__RateLimits__PermitsPerSecond=1000000 ReturnsActors__RateLimits__Burst=1000000 \
  ReturnsActors__Ingest__MaxConcurrentRequests=256 Logging__LogLevel__Default=Warning \
    dotnet "$silo_dll" >"$out/silo$i.log" 2>&1 &
  silo_pids+=($!)
done
trap 'for p in "${silo_pids[@]}"; do kill -TERM $p 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
for i in $(seq 1 "$silos"); do
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$((port + i - 1))/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$((port + i - 1))/health/ready" >/dev/null || { echo "silo $i did not become ready; see $out/silo$i.log"; exit 1; }
done

cpu_seconds() { # utime+stime of the given pids, in seconds
  local total=0 pid
  for pid in "$@"; do [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total $(getconf CLK_TCK)" | awk '{printf "%.2f", $1 / $2}'
}
pg_pids() { pgrep -u postgres postgres | tr '\n' ' '; }
redis_pids() { pgrep redis-server | tr '\n' ' '; }

echo "pgbench: simple-update (-N), $copies clients, ${seconds}s"
PGPASSWORD= "$pg_bin/pgbench" -h 127.0.0.1 -p 55432 -U postgres -i -s 4 -q "$db" >/dev/null 2>&1
"$pg_bin/pgbench" -h 127.0.0.1 -p 55432 -U postgres -N -c "$copies" -j 2 -T "$seconds" "$db" >"$out/pgbench.txt" 2>&1
pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/pgbench.txt" | head -n 1)

only=${RA_BENCH_SCENARIOS:-}   # e.g. "http-noop rma-write hot-warehouse"; empty runs them all
run_scenario() { # name type settings-json
  local name=$1 type=$2 settings=$3
  if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then return; fi
  python3 - "$out/$name.json" "$name" "$type" "$settings" "$port" "$key" "$seconds" "$copies" <<'PY'
import json, sys
path, name, type_, settings, port, key, seconds, copies = sys.argv[1:]
json.dump({
  "target": {"baseUrl": f"http://127.0.0.1:{port}", "apiKey": key, "headers": {"X-Tenant-Id": "bench"}, "timeout": "30s"},
  "scenarios": [{"name": name, "type": type_, "settings": json.loads(settings), "warmUp": "3s",
                 "maxDuration": f"{int(seconds) + 120}s", "maxConcurrency": 1000,
                 "simulations": [{"kind": "keep-constant", "copies": int(copies), "during": f"{seconds}s"}],
                 "thresholds": [{"check": "fail_rate < 0.01"}]}]}, open(path, "w"), indent=2)
PY
  local before_silo before_pg before_redis start end
  before_silo=$(cpu_seconds "${silo_pids[@]}"); before_pg=$(cpu_seconds $(pg_pids)); before_redis=$(cpu_seconds $(redis_pids))
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$out/$name.loadgen-cpu" dotnet "$harness_dll" run --config "$out/$name.json" --out "$out/$name" --no-live >"$out/$name.log" 2>&1 || true
  end=$(date +%s.%N)
  echo "$name $(echo "$(cpu_seconds "${silo_pids[@]}") $before_silo" | awk '{print $1-$2}') $(echo "$(cpu_seconds $(pg_pids)) $before_pg" | awk '{print $1-$2}') $(echo "$(cpu_seconds $(redis_pids)) $before_redis" | awk '{print $1-$2}') $(awk '{print $1+$2}' "$out/$name.loadgen-cpu") $(echo "$end $start" | awk '{print $1-$2}')" >>"$out/cpu.txt"
  echo "  $name done"
}

echo "scenarios ($profile profile, $silos silo(s), load through silo 1's HTTP, $copies copies, ${seconds}s each):"
run_scenario http-noop http-noop '{"path": "/health/live"}'
run_scenario rma-write rma-write '{"returns": 200}'
run_scenario grain-direct grain-direct "{\"returns\": 200, \"tenant\": \"bench\", \"clusterId\": \"$cluster_id\", $( [ "$profile" = Cluster ] && echo "\"redis\": \"127.0.0.1:56379\"" || echo "\"gateway\": \"127.0.0.1:30090\"" )}"
run_scenario rma-read-mix rma-read-mix '{"returns": 200}'
run_scenario rma-lifecycle rma-lifecycle '{}'
run_scenario bulk-ingest bulk-ingest '{"returnsPerBatch": 10, "orders": 50}'
run_scenario hot-warehouse hot-warehouse '{"orders": 50}'

python3 - "$out" "$profile" "$copies" "$seconds" "${pgbench_tps:-0}" "$silos" <<'PY'
import json, os, sys
out, profile, copies, seconds, pgbench, silos = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
def scenario(name):
    with open(os.path.join(out, name, "report.json")) as f:
        report = json.load(f)
    return report, report["scenarios"][0]["stats"]
noop_report, noop = scenario("http-noop")
lines = [f"Machine: {noop_report['machine']['line']}", f"Profile: {profile}, {silos} silo(s), load through silo 1's HTTP; closed model, {copies} copies, {seconds} s per scenario after 3 s warm-up; each scenario alone.", "",
         f"Baselines in this run: pgbench simple-update **{pgbench:,.0f} TPS** on the same PostgreSQL; no-op HTTP **{noop['rps']:,.0f} req/s** on the same silo.", "",
         "| scenario | ok/s | fail | p50 ms | p99 ms | ÷ no-op HTTP | ÷ pgbench TPS |", "|---|---|---|---|---|---|---|"]
for name in ["http-noop", "rma-write", "grain-direct", "rma-read-mix", "rma-lifecycle", "bulk-ingest", "hot-warehouse"]:
    if not os.path.exists(os.path.join(out, name + ".json")):
        continue  # not part of this run (RA_BENCH_SCENARIOS)
    try:
        _, s = scenario(name)
    except (OSError, KeyError, IndexError):
        lines.append(f"| {name} | (no report: see {name}.log) | | | | | |"); continue
    ok_rps = s.get("okRps", s["rps"])
    lat = s.get("latency") or {}
    lines.append(f"| {name} | {ok_rps:,.1f} | {s.get('fail', 0)} | {lat.get('p50Ms', 0):.1f} | {lat.get('p99Ms', 0):.1f} | {ok_rps / noop['rps']:.3f} | {ok_rps / pgbench if pgbench else 0:.3f} |")
try:
    _, ingest = scenario("bulk-ingest")
    events = ingest.get("okRps", 0) * 40
    lines += ["", f"bulk-ingest: {events:,.0f} events applied/s (40 events per batch) = {events / pgbench if pgbench else 0:.2f} × pgbench TPS; the goal is 2 ×."]
except (OSError, KeyError, IndexError):
    pass
lines += ["", "rma-lifecycle counts iterations (one return request-to-closed = 10 HTTP requests, 9 of them durable commands).", "",
          "CPU seconds during each scenario (2 cores = 2 CPU-seconds per wall second):", "", "| scenario | wall s | silo | PostgreSQL | Redis | load generator |", "|---|---|---|---|---|---|"]
for row in open(os.path.join(out, "cpu.txt")):
    n, silo, pg, redis, gen, wall = row.split()
    lines.append(f"| {n} | {float(wall):.0f} | {float(silo):.1f} | {float(pg):.1f} | {float(redis):.1f} | {float(gen):.1f} |")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "reports: $out"
