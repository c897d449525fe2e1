#!/usr/bin/env bash
# Writes an upgrade fixture: the warehouse of a node of an EARLIER release of Tonle that loaded
# the demo data (`bin/tonle demo`) and then took the corrections and voids of changes.ndjson
# over HTTP. Usage, from the repository root:
#
#   host/src/test/resources/org/tonle/host/upgrade/make-fixture.sh COMMIT OUT_DIR
#
# OUT_DIR receives tonle.duckdb.gz (the warehouse, checkpointed by a clean stop) and
# records.ndjson.gz (the demo records that release loaded, which UpgradeIT loads into a fresh
# node to compare). The pseudonymisation key is this folder's test-only subject-key.
set -euo pipefail
commit=${1:?usage: make-fixture.sh COMMIT OUT_DIR}
out=${2:?usage: make-fixture.sh COMMIT OUT_DIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
work="$(mktemp -d)"
src="$work/src"
data="$work/data"
port=${FIXTURE_PORT:-18931}
token=fixture-admin-token
mkdir -p "$src" "$out"

git -C "$repo" archive "$commit" | tar -x -C "$src"
(cd "$src" && mvn -B -q -o -DskipTests package)

# The node keeps its key in <data>/secrets/subject-key (the default of every release so far).
mkdir -p "$data/secrets"
chmod 700 "$data" "$data/secrets"
install -m 600 "$here/subject-key" "$data/secrets/subject-key"

TONLE_SKIP_BUILD=1 TONLE_ADMIN_TOKEN=$token "$src/bin/tonle" demo --config "$src/config" --data "$data" \
    --port "$port" --flight-port 0 > "$work/node.log" 2>&1 &
node=$!
for _ in $(seq 1 180); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ]; then break; fi
  sleep 1
done
curl -sf "http://127.0.0.1:$port/health" > /dev/null

while IFS= read -r line; do
  method=$(jq -r .method <<< "$line")
  id=$(jq -r .id <<< "$line")
  if [ "$method" = PUT ]; then
    jq -c .record <<< "$line" | curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary @- "http://127.0.0.1:$port/api/v1/activities/$id" > /dev/null
  else
    curl -sf -X DELETE -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/activities/$id" > /dev/null
  fi
done < "$here/changes.ndjson"

kill -TERM "$node"
wait "$node" || true
if [ -e "$data/tonle.duckdb.wal" ] && [ -s "$data/tonle.duckdb.wal" ]; then
  echo "the node left a write-ahead log; the fixture must be one checkpointed file" >&2
  exit 1
fi
gzip -9 -n < "$data/tonle.duckdb" > "$out/tonle.duckdb.gz"
cat "$src"/config/demo/*.ndjson | gzip -9 -n > "$out/records.ndjson.gz"
echo "fixture of $commit written to $out (work folder $work)"
