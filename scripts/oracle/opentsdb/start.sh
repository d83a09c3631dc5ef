#!/usr/bin/env bash
# Start OpenTSDB 2.4.1 (reference "oracle") on an already running HBase (see ../hbase/start.sh).
# Creates the four OpenTSDB tables through HBase REST if missing, then starts TSDMain and waits for /api/version.
# Usage: ./start.sh [TSD_DIR]       (or env TSD_DIR; default ./tsd next to this script; holds pid, logs, cache)
# Env:   TSD_PORT (4243)  HBASE_REST_PORT (8080)  HBASE_ZK_PORT (2181)  TSD_HEAP (512m)  JAVA (java)
#        TSD_OPTS: extra TSDMain flags, e.g. "--config=FILE" or "--salt-width=1"  (default none)
#        TSD_EXTRA_TABLES: more tables with the one family t, e.g. the rollup tables (default none)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TSD_DIR="${1:-${TSD_DIR:-$HERE/tsd}}"
mkdir -p "$TSD_DIR"; TSD_DIR="$(cd "$TSD_DIR" && pwd)"
PORT="${TSD_PORT:-4243}"; REST="http://127.0.0.1:${HBASE_REST_PORT:-8080}"; ZK="127.0.0.1:${HBASE_ZK_PORT:-2181}"
JAVA="${JAVA:-java}"

LIB="${TSD_LIB:-$HERE/lib}"
ls "$LIB"/opentsdb-*.jar >/dev/null 2>&1 || { echo "run: (cd '$HERE' && mvn -q dependency:copy-dependencies -DoutputDirectory=lib)" >&2; exit 1; }
curl -sf "$REST/version/cluster" >/dev/null || { echo "HBase REST not answering at $REST; start ../hbase/start.sh first" >&2; exit 1; }
if [ -f "$TSD_DIR/tsd.pid" ] && kill -0 "$(cat "$TSD_DIR/tsd.pid")" 2>/dev/null; then echo "already running" >&2; exit 1; fi

# Tables as in OpenTSDB's src/create_table.sh (no compression, DIFF encoding, ROW bloom filter)
cf() { echo "{\"name\":\"$1\",\"VERSIONS\":\"1\",\"BLOOMFILTER\":\"ROW\",\"DATA_BLOCK_ENCODING\":\"DIFF\",\"COMPRESSION\":\"NONE\"}"; }
extra=(); for t in ${TSD_EXTRA_TABLES:-}; do extra+=("$t:t"); done
for spec in "tsdb-uid:id,name" "tsdb:t" "tsdb-tree:t" "tsdb-meta:name" ${extra[@]+"${extra[@]}"}; do
  t="${spec%%:*}"; fams="${spec#*:}"; cols=""
  for f in ${fams//,/ }; do cols="${cols:+$cols,}$(cf "$f")"; done
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$REST/$t/exists")" != 200 ]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
      -d "{\"name\":\"$t\",\"ColumnSchema\":[$cols]}" "$REST/$t/schema")
    echo "created table $t (HTTP $code)"
  fi
done

mkdir -p "$TSD_DIR/static" "$TSD_DIR/cache" "$TSD_DIR/logs"
T0=$(date +%s)
# shellcheck disable=SC2086
nohup "$JAVA" -Xmx"${TSD_HEAP:-512m}" -Dlogback.configurationFile="$HERE/logback.xml" -cp "$LIB/*" \
  net.opentsdb.tools.TSDMain --port="$PORT" --bind=127.0.0.1 --zkquorum="$ZK" --zkbasedir=/hbase \
  --staticroot="$TSD_DIR/static" --cachedir="$TSD_DIR/cache" --auto-metric ${TSD_OPTS:-} \
  > "$TSD_DIR/logs/tsd.log" 2>&1 < /dev/null &
echo $! > "$TSD_DIR/tsd.pid"
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$PORT/api/version" >/dev/null; then
    echo "OpenTSDB ready on 127.0.0.1:$PORT (telnet+HTTP) after $(( $(date +%s) - T0 ))s, pid $(cat "$TSD_DIR/tsd.pid")"; exit 0
  fi
  kill -0 "$(cat "$TSD_DIR/tsd.pid")" 2>/dev/null || { echo "TSD died; see $TSD_DIR/logs/tsd.log" >&2; tail -20 "$TSD_DIR/logs/tsd.log" >&2; exit 1; }
  sleep 1
done
echo "timed out; see $TSD_DIR/logs/tsd.log" >&2; exit 1
