#!/bin/sh
# `npm test`: build, start the reference OpenTSDB 2.4.1 on HBase for the differential test
# in the background (scripts/oracle/oracle.sh: Java/Maven from Debian if missing, jars cached
# in .oracle-cache/), start the private MariaDB the MySQL tests need (installing it from
# Debian if missing) and the CouchDB-API server (pouchdb-server), start the storage-hbase
# tests' HBase (scripts/hbase.sh) and the private Riak node (scripts/riak.sh) in the background,
# find (or install) Chromium for the GUI tests, run mocha, and always stop MariaDB, CouchDB,
# HBase, Riak and the oracle by their PIDs.
# DSDB_ORACLE=skip leaves the differential test out; DSDB_ORACLE_SEED=N replays a seed.
set -eu
cd "$(dirname "$0")/.."
npm run build
# A free port, so two checkouts can run their tests side by side.
DSDB_MARIADB_PORT=${DSDB_MARIADB_PORT:-$(node scripts/free-port.js)}
export DSDB_MARIADB_PORT
# The CouchDB tests' server (pouchdb-server, a devDependency; ready in about a second).
DSDB_COUCHDB_PORT=${DSDB_COUCHDB_PORT:-$(node scripts/free-port.js)}
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
# The storage-hbase tests' standalone HBase + REST gateway (scripts/hbase.sh, same jars as the
# oracle's) boots (half a minute) while other tests run; test/hbase waits for it.
DSDB_HBASE_DIR=${DSDB_HBASE_DIR:-$(pwd)/.test-data/hbase-test-$DSDB_MARIADB_PORT}
DSDB_HBASE_MANAGED=1
export DSDB_HBASE_DIR DSDB_HBASE_MANAGED
rm -rf "$DSDB_HBASE_DIR"; mkdir -p "$DSDB_HBASE_DIR"
(bash scripts/hbase.sh start >"$DSDB_HBASE_DIR.log" 2>&1 || touch "$DSDB_HBASE_DIR/failed") &
HBASE_BOOT=$!
stop_hbase() {
  wait "$HBASE_BOOT" 2>/dev/null || true
  bash scripts/hbase.sh stop >/dev/null 2>&1 || true
  rm -rf "$DSDB_HBASE_DIR" "$DSDB_HBASE_DIR.log"
}
stop_oracle() {
  [ -n "$ORACLE_BOOT" ] || return 0
  # a boot still under way is let finish (a minute or two), so that nothing it starts outlives us
  wait "$ORACLE_BOOT" 2>/dev/null || true
  bash scripts/oracle/oracle.sh stop >/dev/null 2>&1 || true
  rm -rf "$DSDB_ORACLE_DIR" "$DSDB_ORACLE_DIR.log"
}
# Riak (scripts/riak.sh, from the release tarball beside the repo) boots in about 15 s while
# other tests run; test/riak waits for it, and skips (fails under CI=true) without the release.
# Its 14 ports (HTTP, protobuf, epmd, handoff, distribution) are picked free, for side-by-side checkouts.
DSDB_RIAK_PORT=${DSDB_RIAK_PORT:-$(bash scripts/riak.sh port)}
DSDB_RIAK_DIR=${DSDB_RIAK_DIR:-$(pwd)/.test-data/riak-$DSDB_RIAK_PORT}
export DSDB_RIAK_PORT DSDB_RIAK_DIR
RIAK_BOOT=
if bash scripts/riak.sh release 2>/dev/null; then
  rm -rf "$DSDB_RIAK_DIR" "$DSDB_RIAK_DIR.ready" "$DSDB_RIAK_DIR.failed"
  (if bash scripts/riak.sh start >"$DSDB_RIAK_DIR.log" 2>&1; then touch "$DSDB_RIAK_DIR.ready"; else touch "$DSDB_RIAK_DIR.failed"; fi) &
  RIAK_BOOT=$!
fi
stop_riak() {
  [ -n "$RIAK_BOOT" ] || return 0
  # a boot still under way is let finish, so that `riak stop` finds the node and its epmd
  wait "$RIAK_BOOT" 2>/dev/null || true
  bash scripts/riak.sh stop >/dev/null 2>&1 || true
  rm -rf "$DSDB_RIAK_DIR" "$DSDB_RIAK_DIR.log" "$DSDB_RIAK_DIR.ready" "$DSDB_RIAK_DIR.failed"
}
# The servers are throwaway: stop them by their PIDs and drop their data. Each step may fail
# without ending the trap (under `set -e` a failing step would leave the servers after it
# running, as a CI run once left the oracle's JVMs) or changing the tests' exit status.
trap 'scripts/mariadb.sh stop >/dev/null 2>&1 || true; rm -rf ".test-data/mariadb-$DSDB_MARIADB_PORT"; scripts/couchdb.sh stop >/dev/null 2>&1 || true; rm -rf ".test-data/couchdb-$DSDB_COUCHDB_PORT"; stop_riak || true; stop_hbase || true; stop_oracle || true' EXIT
trap 'exit 130' INT TERM
scripts/mariadb.sh start
scripts/couchdb.sh start
# The GUI tests drive Debian's Chromium (installed here if missing, never downloaded by playwright).
DSDB_CHROMIUM=$(bash scripts/install-chromium.sh)
export DSDB_CHROMIUM
npx mocha "$@"
