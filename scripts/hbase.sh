#!/usr/bin/env bash
# A private standalone HBase 2.6.1 + its REST gateway for the storage-hbase tests and bench:
# the same jars (resolved by Maven into .oracle-cache/hbase-lib, Java/Maven from Debian if
# missing) and start/stop scripts as the OpenTSDB oracle (scripts/oracle/hbase/), on free
# ports on 127.0.0.1, with its own data dir; stopped by the PIDs in that dir.
#   scripts/hbase.sh start|stop|status
# start:  picks free ports (or the ones of a previous start of the same dir, so that a
#         restart after `stop` keeps the data and the URL), starts master + REST, waits
#         until REST answers, writes $DIR/env with DSDB_HBASE_REST_PORT=PORT
# stop:   SIGTERM by PID (REST, then master; HBase flushes on SIGTERM), SIGKILL after 60 s
# Env:    DSDB_HBASE_DIR (default .test-data/hbase)  HBASE_HEAP (512m)  HBASE_REST_HEAP (512m: the UID and TSMeta requests of many new series at once ran a 192m gateway out of memory)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HB="$ROOT/scripts/oracle/hbase"
DIR="${DSDB_HBASE_DIR:-$ROOT/.test-data/hbase}"
CACHE="${DSDB_ORACLE_CACHE:-$ROOT/.oracle-cache}"
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"

# distinct free ports below the ephemeral range (scripts/free-port.js says why)
free_ports() { node "$ROOT/scripts/free-port.js" "$1" | tr '\n' ' '; }

running() { for p in master rest; do kill -0 "$(cat "$DIR/data/$p.pid" 2>/dev/null)" 2>/dev/null || return 1; done; }

start() {
  if running && [ -f "$DIR/ports" ]; then
    . "$DIR/ports"; printf 'DSDB_HBASE_REST_PORT=%s\n' "$HBASE_REST_PORT" > "$DIR/env"; cat "$DIR/env"; return 0
  fi
  bash "$ROOT/scripts/oracle/oracle.sh" jars hbase
  # Ports survive a stop: a restart (the outage test) serves the same data on the same URL.
  if [ -f "$DIR/ports" ]; then . "$DIR/ports"; else
    read -r HBASE_REST_PORT HBASE_ZK_PORT HBASE_MASTER_PORT HBASE_RS_PORT <<< "$(free_ports 4)"
    printf 'HBASE_REST_PORT=%s\nHBASE_ZK_PORT=%s\nHBASE_MASTER_PORT=%s\nHBASE_RS_PORT=%s\n' \
      "$HBASE_REST_PORT" "$HBASE_ZK_PORT" "$HBASE_MASTER_PORT" "$HBASE_RS_PORT" > "$DIR/ports"
  fi
  # Both JVMs run beside the oracle's and the tests on a 2-core CI machine: modest heaps.
  export HBASE_LIB="$CACHE/hbase-lib" HBASE_REST_PORT HBASE_ZK_PORT HBASE_MASTER_PORT HBASE_RS_PORT
  export HBASE_HEAP="${HBASE_HEAP:-512m}" HBASE_REST_HEAP="${HBASE_REST_HEAP:-512m}" HBASE_START_TIMEOUT="${HBASE_START_TIMEOUT:-300}"
  rm -f "$DIR/env"
  "$HB/start.sh" "$DIR/data" >&2
  printf 'DSDB_HBASE_REST_PORT=%s\n' "$HBASE_REST_PORT" > "$DIR/env"
  cat "$DIR/env"
}

stop() {
  rm -f "$DIR/env"
  [ -d "$DIR/data" ] && "$HB/stop.sh" "$DIR/data" >&2 || true
}

status() { [ -f "$DIR/env" ] && cat "$DIR/env" || { echo "not running" >&2; exit 1; }; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
