#!/usr/bin/env bash
# Makes the previous-release fixture that ReleaseUpgradeTests restores: a database written by the code at the current commit.
#
#   scripts/make-release-fixture.sh
#
# Run it at a release's commit (clean src/), before a schema or event-format change lands, and commit what it writes:
#   tests/ReturnsActors.IntegrationTests/Fixtures/release-<commit>.dump   pg_dump -Fc of the database
#   tests/ReturnsActors.IntegrationTests/Fixtures/release-<commit>.json   manifest: the keys and secrets it was made with, and per
#                                                                         return the status, events and last hash read back
# It builds the silo (Release), creates a scratch database on the running PostgreSQL (scripts/services.sh), starts ONE
# Cluster-profile silo on it, fills it through the HTTP API only (a tenant and its API key, a policy, a warehouse, a supplier
# with a draft vendor claim, one return in every header stage, a carrier partner secret, a webhook subscription), reads
# everything back, stops the silo with SIGTERM (snapshots written at deactivation), dumps the database and drops it.
# Re-runnable: every run starts from an empty database and overwrites the files of the same commit.
#
# Every key and secret in the fixture is a test-only value ("fixture-only" in its name or description); none is used anywhere
# else. The policy's SLA hours are the maximum (8760 h, warning at 99 %) so that no deadline of the fixture comes due for
# almost a year after it was made (the manifest's quietUntil; the test refuses an older fixture): a restored return then
# reads exactly as it was dumped.
#
# Settings (environment): RA_PG_HOST (127.0.0.1), RA_PG_PORT (55432), RA_PG_USER (postgres), RA_REDIS (127.0.0.1:56379),
# RA_FIXTURE_HTTP_PORT (25081), RA_FIXTURE_ALLOW_DIRTY=1 to make one from uncommitted src/ changes.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_host=${RA_PG_HOST:-127.0.0.1}
pg_port=${RA_PG_PORT:-55432}
pg_user=${RA_PG_USER:-postgres}
redis=${RA_REDIS:-127.0.0.1:56379}
http_port=${RA_FIXTURE_HTTP_PORT:-25081}

if [ -n "$(git status --porcelain -- src)" ] && [ "${RA_FIXTURE_ALLOW_DIRTY:-}" != 1 ]; then
  echo "src/ has uncommitted changes: a fixture names the commit whose code made it (RA_FIXTURE_ALLOW_DIRTY=1 to force)" >&2
  exit 2
fi

commit=$(git rev-parse --short=7 HEAD)
fixtures=tests/ReturnsActors.IntegrationTests/Fixtures
name=release-$commit
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_bin=${pg_bin:-$(dirname "$(command -v pg_dump)")}
database=ra_release_fixture_$$
service_id=returnsactors
admin_key=fixture-only-platform-admin-key-0123456789
tenant=fixture-tenant
carrier_secret=fixture-only-carrier-secret-0123456789
# The webhook subscription's URL: a loopback address and port of its own, where ReleaseUpgradeTests listens after the restore.
webhook_url=http://127.83.57.23:19423/hook
silo_dll=src/Silo/ReturnsActors.Silo/bin/Release/net10.0/ReturnsActors.Silo.dll
work=$(mktemp -d)
silo_pid=

cleanup() {
  if [ -n "$silo_pid" ] && kill -0 "$silo_pid" 2>/dev/null; then kill -KILL "$silo_pid" 2>/dev/null; wait "$silo_pid" 2>/dev/null || true; fi
  "$pg_bin/psql" -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the silo at $commit"
dotnet build src/Silo/ReturnsActors.Silo -c Release -nologo -v quiet
"$pg_bin/psql" -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -qc "CREATE DATABASE $database"
connection="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$database"

echo "starting a Cluster silo on $database (log $work/silo.log)"
DOTNET_ENVIRONMENT=Development \
ReturnsActors__Profile=Cluster \
ReturnsActors__ServiceId=$service_id \
ReturnsActors__ClusterId="release-fixture-$$" \
ReturnsActors__Postgres__ConnectionString="$connection" \
ReturnsActors__Redis__ConnectionString="$redis" \
ReturnsActors__Bootstrap__AdminApiKey=$admin_key \
ReturnsActors__Webhooks__AllowLoopback=true \
ReturnsActors__Http__Port="$http_port" \
ReturnsActors__Silo__SiloPort=$((http_port + 1)) \
ReturnsActors__Silo__GatewayPort=$((http_port + 2)) \
  dotnet "$silo_dll" >"$work/silo.log" 2>&1 &
silo_pid=$!
base=http://127.0.0.1:$http_port
for _ in $(seq 1 240); do
  curl -fs "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$silo_pid" 2>/dev/null || { cat "$work/silo.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$base/health/ready" >/dev/null || { echo "the silo did not get ready" >&2; tail -n 50 "$work/silo.log" >&2; exit 1; }

key=$admin_key
# api METHOD PATH [JSON]: the answer's body; stops the script on anything but a 2xx.
api() {
  local status
  status=$(curl -sS -o "$work/answer" -w '%{http_code}' -X "$1" "$base$2" -H "X-Api-Key: $key" \
    -H 'Content-Type: application/json' ${3:+--data "$3"})
  if [[ $status != 2* ]]; then
    echo "$1 $2 -> $status: $(cat "$work/answer")" >&2
    exit 1
  fi
  cat "$work/answer"
}

echo "filling it through the API"
api POST /v1/tenants "{\"tenantId\":\"$tenant\",\"displayName\":\"fixture-only tenant\"}" >/dev/null
tenant_key=$(api POST "/v1/tenants/$tenant/api-keys" '{"name":"fixture-only tenant admin key","roles":["admin"]}' | jq -r .key)
key=$tenant_key

api PUT /v1/policies/draft '{
  "defaultReturnWindowDays": 30, "maxUnitsPerRma": 50, "autoApproveLimit": 250,
  "restockingFeePercent": 10, "restockingFeeReasonClasses": ["Convenience"],
  "dispositionRules": [{"id": "disposition.a", "grade": "A", "disposition": "Restock"}],
  "defaultDisposition": "QualityReview",
  "sla": {"authorizeHours": 8760, "shipHours": 8760, "receiveHours": 8760, "inspectHours": 8760, "refundHours": 8760, "warningPercent": 99}
}' >/dev/null
policy_version=$(api POST /v1/policies/draft/publish '{}' | jq -r .version)

api PUT /v1/warehouses/wh-fx '{"name": "fixture warehouse", "regions": ["EU"], "categories": ["tools"], "grading": true,
  "refurbishment": true, "dailyCapacityUnits": 1000, "costPerUnit": 1.5, "backlogWarningUnits": 1000, "backlogBreachUnits": 2000,
  "backlogWarningHours": 87600, "backlogBreachHours": 87600}' >/dev/null
api PUT /v1/suppliers/sup-fx '{"name": "fixture supplier", "currency": "EUR", "consolidationWindowDays": 365, "ackSlaHours": 2160}' >/dev/null
api PUT /v1/inbound/carrier/secret "{\"secret\":\"$carrier_secret\"}" >/dev/null

delivered_at=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)
made=()
# new_return RMA PRICE REASONCLASS: its own order (region EU, supplied by sup-fx) and a one-unit return of it.
new_return() {
  made+=("$1")
  api PUT "/v1/orders/O-$1" "{\"channel\": \"web\", \"deliveredAt\": \"$delivered_at\", \"currency\": \"EUR\", \"region\": \"EU\",
    \"customerId\": \"C-FX\", \"lines\": [{\"orderLineId\": \"1\", \"sku\": \"SKU-DRILL\", \"category\": \"tools\", \"quantity\": 1,
    \"unitPrice\": $2, \"supplierId\": \"sup-fx\"}]}" >/dev/null
  api POST /v1/rmas "{\"rmaId\": \"$1\", \"orderId\": \"O-$1\",
    \"lines\": [{\"orderLineId\": \"1\", \"quantity\": 1, \"reasonCode\": \"BROKEN\", \"reasonClass\": \"$3\"}]}" >/dev/null
}
step() { local body=${3:-}; api POST "/v1/rmas/$1/$2" "${body:-"{}"}" >/dev/null; }
label() { step "$1" label "{\"carrier\": \"UPS\", \"trackingNumber\": \"1Z-$1\"}"; }
carrier() { step "$1" carrier-events "{\"kind\": \"$2\"}"; }
receive() { step "$1" receive '{"lines": [{"lineId": "L1", "quantity": 1}], "final": true, "warehouse": "wh-fx"}'; }
inspect() { step "$1" inspect "{\"lines\": [{\"lineId\": \"L1\", \"grade\": \"$2\", \"conditionNotes\": \"fixture\"}]}"; }
disposition() { step "$1" disposition "{\"lines\": [{\"lineId\": \"L1\", \"disposition\": \"$2\"}]}"; }
# to RMA STAGE: walks a fresh low-value return from Authorized up to STAGE.
to() {
  local rma=$1 stage=$2
  new_return "$rma" 40 Convenience
  [ "$stage" = Authorized ] && return; label "$rma"
  [ "$stage" = AwaitingShipment ] && return; carrier "$rma" InTransit
  [ "$stage" = InTransit ] && return; carrier "$rma" Delivered
  [ "$stage" = Delivered ] && return; receive "$rma"
  [ "$stage" = Received ] && return; inspect "$rma" A
  [ "$stage" = Inspecting ] && return; disposition "$rma" Restock
  [ "$stage" = Dispositioned ] && return; step "$rma" settle '{"kind": "RefundOriginalPayment"}'
  [ "$stage" = PendingSettlement ] && return; step "$rma" confirm-settlement '{"reference": "CM-FX"}'
  [ "$stage" = Resolved ] && return; step "$rma" close
}

new_return FX-UNDER-REVIEW 400 Convenience
new_return FX-DECLINED 400 Convenience
step FX-DECLINED decline '{"reason": "outside policy"}'
for stage in Authorized AwaitingShipment InTransit Delivered Received Inspecting Dispositioned PendingSettlement Resolved Closed; do
  to "FX-$(echo "$stage" | sed -E 's/([a-z])([A-Z])/\1-\2/g' | tr '[:lower:]' '[:upper:]')" "$stage"
done
# A defect sent back to the supplier: a draft vendor claim at sup-fx.
new_return FX-VENDOR-CLAIM 80 Defect
label FX-VENDOR-CLAIM
carrier FX-VENDOR-CLAIM Delivered
receive FX-VENDOR-CLAIM
inspect FX-VENDOR-CLAIM D
disposition FX-VENDOR-CLAIM ReturnToVendor
new_return FX-CANCELLED 40 Convenience
step FX-CANCELLED cancel '{"by": "Customer", "reason": "changed my mind"}'
new_return FX-EXPIRED 40 Convenience
step FX-EXPIRED expire
new_return FX-ON-HOLD 40 Convenience
label FX-ON-HOLD
step FX-ON-HOLD hold '{"reason": "fixture hold"}'

# The advisory channel records a recommendation for each new return and each hold, asynchronously: wait until every trigger has
# its recommendation and nothing is appended any more, so that the dump holds a history that is complete.
settled() {
  local rma
  for rma in "${made[@]}"; do
    api GET "/v1/rmas/$rma/events" | jq -e '([.events[] | select(.type == "return.requested" or .type == "return.hold_placed")] | length)
      <= ([.events[] | select(.type == "recommendation.issued")] | length)' >/dev/null || return 1
  done
}
total_events() {
  local rma total=0
  for rma in "${made[@]}"; do total=$((total + $(api GET "/v1/rmas/$rma/events" | jq '.events | length'))); done
  echo "$total"
}
previous=-1
for _ in $(seq 1 120); do
  if settled; then
    current=$(total_events)
    [ "$current" = "$previous" ] && break
    previous=$current
  fi
  sleep 2
done
[ "$previous" = "$(total_events)" ] || { echo "the returns' histories did not settle" >&2; exit 1; }

# Last, so that nothing of the history above waits for delivery to an address that is gone when the dump is restored.
subscription=$(api POST /v1/webhook-subscriptions "{\"url\": \"$webhook_url\", \"eventTypes\": [\"*\"], \"description\": \"fixture-only subscription\"}")
subscription_id=$(jq -r .subscription.id <<<"$subscription")
webhook_secret=$(jq -r .secret <<<"$subscription")

sleep 3
[ "$(api GET "/v1/webhook-subscriptions/$subscription_id/deliveries" | jq length)" = 0 ] || { echo "the subscription has deliveries" >&2; exit 1; }

echo "reading it back"
# The read model is projected from the event log: wait until it lists every return.
for _ in $(seq 1 120); do
  [ "$(api GET '/v1/rmas?limit=200' | jq '.items | length')" -ge ${#made[@]} ] && break
  sleep 0.5
done
returns='[]'
for rma in $(printf '%s\n' "${made[@]}" | sort); do
  view=$(api GET "/v1/rmas/$rma")
  events=$(api GET "/v1/rmas/$rma/events")
  verified=$(api GET "/v1/rmas/$rma/events/verify" | jq .valid)
  [ "$verified" = true ] || { echo "$rma: the chain does not verify before the dump" >&2; exit 1; }
  listed=$(api GET "/v1/rmas?status=$(jq -r .status <<<"$view")&limit=200" | jq --arg id "$rma" '[.items[] | select(.rmaId == $id)] | length')
  [ "$listed" = 1 ] || { echo "$rma: the read model does not list it under its status" >&2; exit 1; }
  returns=$(jq --argjson view "$view" --argjson events "$events" '. + [{
    rmaId: $view.rmaId, status: $view.status, onHold: $view.onHold, warehouseId: $view.warehouseId,
    eventCount: ($events.events | length), eventTypes: [$events.events[].type], lastHash: $events.events[-1].hash }]' <<<"$returns")
done
[ "$(api GET '/v1/rmas?limit=200' | jq '.items | length')" = ${#made[@]} ] || { echo "the read model lists other returns" >&2; exit 1; }
claims=$(api GET /v1/suppliers/sup-fx/claims | jq '[.[] | {claimId, status, lines: (.lines | length)}]')
[ "$(jq length <<<"$claims")" = 1 ] || { echo "expected one vendor claim: $claims" >&2; exit 1; }

echo "stopping the silo"
kill -TERM "$silo_pid"
for _ in $(seq 1 120); do kill -0 "$silo_pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$silo_pid" 2>/dev/null; then echo "the silo did not stop within 60 s" >&2; exit 1; fi
wait "$silo_pid" || { echo "the silo exited with $?" >&2; tail -n 50 "$work/silo.log" >&2; exit 1; }
silo_pid=

mkdir -p "$fixtures"
"$pg_bin/pg_dump" -h "$pg_host" -p "$pg_port" -U "$pg_user" -Fc --no-owner --no-privileges -f "$fixtures/$name.dump" "$database"
created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -n --arg commit "$(git rev-parse HEAD)" --arg createdAt "$created_at" \
  --arg quietUntil "$(date -u -d "$created_at + 360 days" +%Y-%m-%dT%H:%M:%SZ)" \
  --arg serviceId "$service_id" --arg adminKey "$admin_key" --arg tenant "$tenant" --arg apiKey "$tenant_key" \
  --arg carrierSecret "$carrier_secret" --arg subscriptionId "$subscription_id" --arg webhookUrl "$webhook_url" \
  --arg webhookSecret "$webhook_secret" --argjson policyVersion "$policy_version" --argjson claims "$claims" \
  --argjson returns "$returns" --arg pgDump "$("$pg_bin/pg_dump" --version)" '{
    note: "Test-only fixture made by scripts/make-release-fixture.sh; every key and secret here is used by nothing else.",
    commit: $commit, createdAt: $createdAt, quietUntil: $quietUntil, pgDump: $pgDump, serviceId: $serviceId,
    adminKey: $adminKey, tenant: $tenant, apiKey: $apiKey, policyVersion: $policyVersion, carrierSecret: $carrierSecret,
    webhook: {subscriptionId: $subscriptionId, url: $webhookUrl, secret: $webhookSecret},
    warehouseId: "wh-fx", supplierId: "sup-fx", claims: $claims, returns: $returns }' >"$fixtures/$name.json"
echo "wrote $fixtures/$name.dump ($(du -h "$fixtures/$name.dump" | cut -f1)) and $fixtures/$name.json"
