#!/bin/sh
# `npm test`: build, start the reference OpenTSDB 2.4.1 on HBase for the differential test
# in the background (scripts/oracle/oracle.sh: Java/Maven from Debian if missing, jars cached
# in .oracle-cache/), start the private MariaDB the MySQL tests need (installing it from
# Debian if missing) and the CouchDB-API server (pouchdb-server), find (or install) Chromium for the GUI tests, run mocha, and always
# stop MariaDB, CouchDB and the oracle by their PIDs.
# DSDB_ORACLE=skip leaves the differential test out; DSDB_ORACLE_SEED=N replays a seed.
set -eu
cd "$(dirname "$0")/.."
npm run build
# A free port, so two checkouts can run their tests side by side.
DSDB_MARIADB_PORT=${DSDB_MARIADB_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export DSDB_MARIADB_PORT
# The CouchDB tests' server (pouchdb-server, a devDependency; ready in about a second).
DSDB_COUCHDB_PORT=${DSDB_COUCHDB_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export DSDB_COUCHDB_PORT
# The oracle boots (about a minute) while the other tests run; test/oracle waits for it.
DSDB_ORACLE_DIR=${DSDB_ORACLE_DIR:-$(pwd)/.test-data/oracle-test-$DSDB_MARIADB_PORT}
export DSDB_ORACLE_DIR
ORACLE_BOOT=
if [ "${DSDB_ORACLE:-}" != skip ]; then
  rm -rf "$DSDB_ORACLE_DIR"; mkdir -p "$DSDB_ORACLE_DIR"
  (bash scripts/oracle/oracle.sh start >"$DSDB_ORACLE_DIR.log" 2>&1 || touch "$DSDB_ORACLE_DIR/failed") &
  ORACLE_BOOT=$!
  DSDB_ORACLE_REQUIRED=1
  export DSDB_ORACLE_REQUIRED
fi
stop_oracle() {
  [ -n "$ORACLE_BOOT" ] || return 0
  # a boot still under way is let finish (a minute or two), so that nothing it starts outlives us
  wait "$ORACLE_BOOT" 2>/dev/null || true
  bash scripts/oracle/oracle.sh stop >/dev/null 2>&1 || true
  rm -rf "$DSDB_ORACLE_DIR" "$DSDB_ORACLE_DIR.log"
}
# The servers are throwaway: stop them by their PIDs and drop their data.
trap 'scripts/mariadb.sh stop >/dev/null; rm -rf ".test-data/mariadb-$DSDB_MARIADB_PORT"; scripts/couchdb.sh stop >/dev/null; rm -rf ".test-data/couchdb-$DSDB_COUCHDB_PORT"; stop_oracle' EXIT
trap 'exit 130' INT TERM
scripts/mariadb.sh start
scripts/couchdb.sh start
# The GUI tests drive Debian's Chromium (installed here if missing, never downloaded by playwright).
DSDB_CHROMIUM=$(bash scripts/install-chromium.sh)
export DSDB_CHROMIUM
npx mocha "$@"
