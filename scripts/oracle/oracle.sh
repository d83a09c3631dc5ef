#!/usr/bin/env bash
# The reference OpenTSDB 2.4.1 ("oracle") for the differential tests: a standalone HBase 2.6.1 + REST
# gateway and a TSD on it, all on 127.0.0.1 and on free ports, stopped by PID.
#   scripts/oracle/oracle.sh jars|start|stop|status|treesync
# jars:  resolve the jars with Maven into .oracle-cache/ (ignored by git; cached across runs)
# start: jars, then HBase (fresh data dir), the OpenTSDB tables, the TSD; writes $DIR/env with
#        DSDB_ORACLE_URL=http://127.0.0.1:PORT and DSDB_ORACLE_TELNET_PORT=PORT
# Env:   DSDB_ORACLE_DIR (default .test-data/oracle)  DSDB_ORACLE_CACHE (default .oracle-cache)
# Java 17 and Maven are installed from Debian if missing (as scripts/mariadb.sh does for MariaDB).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="${DSDB_ORACLE_DIR:-$ROOT/.test-data/oracle}"
CACHE="${DSDB_ORACLE_CACHE:-$ROOT/.oracle-cache}"
mkdir -p "$DIR" "$CACHE"; DIR="$(cd "$DIR" && pwd)"; CACHE="$(cd "$CACHE" && pwd)"

install_tools() {
  command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 && return 0
  echo "installing Java 17, Maven and curl from Debian packages" >&2
  sh "$ROOT/scripts/apt-install.sh" openjdk-17-jre-headless maven curl
}

# jars [PART...]: resolve the parts named (default: hbase opentsdb). scripts/hbase.sh takes
# only hbase. A lock on the cache (held in a subshell, so no server started later inherits
# it) keeps two boots at once (the oracle and the storage-hbase tests, both started in the
# background by scripts/test.sh) from installing or resolving into one folder together.
jars() {
  local parts=("$@")
  [ ${#parts[@]} -gt 0 ] || parts=(hbase opentsdb)
  (
    flock 9
    install_tools
    # a lib folder is complete once its marker exists (an interrupted copy is redone)
    for part in "${parts[@]}"; do
      lib="$CACHE/$part-lib"
      if [ ! -f "$lib/.complete" ] || [ "$HERE/$part/pom.xml" -nt "$lib/.complete" ]; then
        rm -rf "$lib"
        (cd "$HERE/$part" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$lib") >&2
        touch "$lib/.complete"
      fi
    done
  ) 9>"$CACHE/.lock"
}

# distinct free ports below the ephemeral range (scripts/free-port.js says why)
free_ports() { node "$ROOT/scripts/free-port.js" "$1" | tr '\n' ' '; }

stop() {
  [ -d "$DIR/tsd" ] && "$HERE/opentsdb/stop.sh" "$DIR/tsd" >&2 || true
  [ -d "$DIR/hbase" ] && "$HERE/hbase/stop.sh" "$DIR/hbase" >&2 || true
  rm -f "$DIR/env" "$DIR/zk-port"
}

start() {
  jars
  stop
  rm -rf "$DIR/hbase" "$DIR/tsd"
  export HBASE_LIB="$CACHE/hbase-lib" TSD_LIB="$CACHE/opentsdb-lib"
  read -r HBASE_REST_PORT HBASE_ZK_PORT HBASE_MASTER_PORT HBASE_RS_PORT TSD_PORT <<< "$(free_ports 5)"
  export HBASE_REST_PORT HBASE_ZK_PORT HBASE_MASTER_PORT HBASE_RS_PORT TSD_PORT
  export HBASE_HEAP="${HBASE_HEAP:-768m}" HBASE_START_TIMEOUT="${HBASE_START_TIMEOUT:-240}"
  "$HERE/hbase/start.sh" "$DIR/hbase" >&2
  # Chunked /api/put bodies (the harness sends large batches) and no stack traces in errors.
  cat > "$DIR/tsd.conf" <<CONF
tsd.http.request.enable_chunked = true
tsd.http.request.max_chunk = 16777216
tsd.core.auto_create_metrics = true
tsd.storage.fix_duplicates = true
tsd.http.show_stack_trace = false
# one helper's telnet `diediedie` ended the shared oracle mid-run: refused, as a real site would
tsd.no_diediedie = true
# delete=true queries (test/oracle/query-delete.test.ts; DSDB's query plugin has allowDelete there)
tsd.http.query.allow_delete = true
tsd.core.meta.enable_realtime_ts = true
tsd.core.meta.enable_tsuid_tracking = true
tsd.rollups.enable = true
tsd.rollups.config = $DIR/rollups.json

# Histograms (/api/histogram, telnet histogram, percentile queries): OpenTSDB's SimpleHistogram codec as id 0.
tsd.core.histograms.config = {"net.opentsdb.core.SimpleHistogramDecoder": 0}
CONF
  # Rollups and pre-aggregates (test/oracle/rollup.test.ts; DSDB's copy: test/fixtures/rollups.json).
  # Besides the default 1m (raw), intervals with a factor 11 divide none of the random tests'
  # downsample intervals, so those queries keep reading raw data as before.
  cp "$ROOT/test/fixtures/rollups.json" "$DIR/rollups.json"
  export TSD_EXTRA_TABLES="$(node -e 'for (const i of require(process.argv[1]).intervals) console.log(i.table, i.preAggregationTable)' "$DIR/rollups.json" | tr ' ' '\n' | grep -vx tsdb | sort -u | tr '\n' ' ')"
  TSD_OPTS="--config=$DIR/tsd.conf" "$HERE/opentsdb/start.sh" "$DIR/tsd" >&2 || { stop; exit 1; }
  printf 'DSDB_ORACLE_URL=http://127.0.0.1:%s\nDSDB_ORACLE_TELNET_PORT=%s\n' "$TSD_PORT" "$TSD_PORT" > "$DIR/env"
  cat "$DIR/env"
  echo "$HBASE_ZK_PORT" > "$DIR/zk-port"
}

# treesync: OpenTSDB's `tsdb uid treesync` on the running oracle (every TSMeta through every
# enabled tree, one metric's series in TSUID order), in a JVM of its own with tree processing
# on. The TSD itself keeps it off: its realtime processing caches the tree list for 5 minutes
# and builds in no fixed order, so which series takes a contested leaf would vary.
treesync() {
  [ -f "$DIR/zk-port" ] || { echo "not running" >&2; exit 1; }
  { cat "$DIR/tsd.conf"; echo "tsd.core.tree.enable_processing = true"; } > "$DIR/treesync.conf"
  java -Xmx256m -Dlogback.configurationFile="$HERE/opentsdb/logback.xml" -cp "$CACHE/opentsdb-lib/*" \
    net.opentsdb.tools.UidManager --config="$DIR/treesync.conf" --zkquorum="127.0.0.1:$(cat "$DIR/zk-port")" --zkbasedir=/hbase treesync \
    > "$DIR/treesync.log" 2>&1 || { tail -20 "$DIR/treesync.log" >&2; exit 1; }
}

status() { [ -f "$DIR/env" ] && cat "$DIR/env" || { echo "not running" >&2; exit 1; }; }

case "${1:-}" in
  jars) shift; jars "$@" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  treesync) treesync ;;
  *) echo "usage: $0 jars [hbase|opentsdb]...|start|stop|status|treesync" >&2; exit 2 ;;
esac
