#!/bin/sh
# A private CouchDB-API server for DSDB's tests: npm pouchdb-server (express-pouchdb on
# LevelDB, a devDependency: no Apache CouchDB package is installable here), its own data
# dir and port on 127.0.0.1; stopped by the PID in its pid file.
#   scripts/couchdb.sh start|stop|kill|status
# env: DSDB_COUCHDB_PORT (default 5985)
#      DSDB_COUCHDB_DIR  (default .test-data/couchdb-$PORT in the repo: one server per port)
# After `start`, http://127.0.0.1:$PORT serves the CouchDB API with no authentication.
# `kill` is SIGKILL (the outage test's crash); a later `start` reuses the same data.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${DSDB_COUCHDB_PORT:-5985}
DIR=${DSDB_COUCHDB_DIR:-$ROOT/.test-data/couchdb-$PORT}
BIN="$ROOT/node_modules/pouchdb-server/bin/pouchdb-server"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PIDF="$DIR/server.pid"

running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }
ready() { node -e "require('http').get('http://127.0.0.1:$PORT/',(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"; }

start() {
  if running; then echo "couchdb already running (pid $(cat "$PIDF"), port $PORT)"; return 0; fi
  [ -f "$BIN" ] || { echo "pouchdb-server is not installed: run npm ci" >&2; exit 1; }
  # It writes config.json and log.txt into its working directory: run it inside DIR.
  # Output goes to files: a server holding our stdout open would hang a caller's pipe.
  (cd "$DIR" && exec node "$BIN" --host 127.0.0.1 --port "$PORT" --dir ./db --config ./config.json \
    --no-stdout-logs --no-color </dev/null >>server.out 2>&1) &
  SPID=$!
  echo "$SPID" >"$PIDF"
  i=0
  until ready; do
    kill -0 "$SPID" 2>/dev/null || { echo "pouchdb-server exited; tail of $DIR/server.out:" >&2; tail -5 "$DIR/server.out" >&2; rm -f "$PIDF"; exit 1; }
    i=$((i + 1)); [ $i -gt 300 ] && { echo "pouchdb-server not ready after 30 s" >&2; kill -TERM "$SPID"; rm -f "$PIDF"; exit 1; }
    sleep 0.1
  done
  echo "couchdb ready: http://127.0.0.1:$PORT (pouchdb-server, pid $SPID)"
}

stop() {
  SIG=${1:-TERM}
  [ -f "$PIDF" ] || { echo "couchdb not running"; return 0; }
  PID=$(cat "$PIDF")
  kill "-$SIG" "$PID" 2>/dev/null || { echo "stale pid file"; rm -f "$PIDF"; return 0; }
  i=0
  while kill -0 "$PID" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { kill -KILL "$PID"; break; }
    sleep 0.1
  done
  rm -f "$PIDF"
  echo "couchdb stopped (pid $PID, SIG$SIG)"
}

case "${1:-}" in
start) start ;;
stop) stop TERM ;;
kill) stop KILL ;;
status) if running; then echo "running (pid $(cat "$PIDF"), port $PORT)"; else echo "not running"; exit 1; fi ;;
*) echo "usage: $0 start|stop|kill|status" >&2; exit 2 ;;
esac
