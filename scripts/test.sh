#!/usr/bin/env bash
# Runs every test project against real PostgreSQL and Redis (started here when not running, stopped after).
#   scripts/test.sh                 the whole suite
#   RA_TEST_QUICK=1 scripts/test.sh skip tests tagged Category=Slow
#   RA_TEST_FILTER='FullyQualifiedName~Migration' scripts/test.sh
# The last line is the total over every test project: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# The operations-page tests drive Debian's Chromium (never a browser download); the HTTPS tests run scripts/dev-cert.sh,
# which needs openssl.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  echo "test.sh: installing ${missing[*]} from apt for the browser and HTTPS tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || echo "test.sh: could not install ${missing[*]}; the browser or HTTPS tests will fail"
fi

started_services=0
services_status=$(scripts/services.sh status 2>/dev/null || true)
if ! grep -q "postgres: running" <<<"$services_status" || ! grep -q "redis: running" <<<"$services_status"; then
  scripts/services.sh start || { echo "0 passed, 1 failed"; exit 1; }
  started_services=1
fi
cleanup() { if [ "$started_services" = 1 ]; then scripts/services.sh stop || true; fi; }
trap cleanup EXIT

results="TestResults/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$results"

filter=${RA_TEST_FILTER:-}
if [ "${RA_TEST_QUICK:-0}" = 1 ]; then filter="${filter:+$filter&}Category!=Slow"; fi

status=0
if ! dotnet build ReturnsActors.sln -c Debug -nologo -clp:ErrorsOnly; then
  echo "build failed"; cleanup; trap - EXIT; echo "0 passed, 1 failed"; exit 1
fi
dotnet test ReturnsActors.sln -c Debug --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  ${filter:+--filter "$filter"} || status=$?

passed=0; failed=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crashed test host counts as a failure
if [ "$files" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then echo "no test ran"; failed=$((failed + 1)); fi
echo "test results: $results ($files test projects)"
cleanup; trap - EXIT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
