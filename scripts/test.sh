#!/bin/sh
# `npm test`: build, start the private MariaDB the MySQL tests need (installing it from
# Debian if missing), find (or install) Chromium for the GUI tests, run mocha, and always
# stop MariaDB by its PID.
set -eu
cd "$(dirname "$0")/.."
npm run build
# A free port, so two checkouts can run their tests side by side.
DSDB_MARIADB_PORT=${DSDB_MARIADB_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export DSDB_MARIADB_PORT
# The server is throwaway: stop it by its PID and drop its datadir (about 100 MB).
trap 'scripts/mariadb.sh stop >/dev/null; rm -rf ".test-data/mariadb-$DSDB_MARIADB_PORT"' EXIT
trap 'exit 130' INT TERM
scripts/mariadb.sh start
# The GUI tests drive Debian's Chromium (installed here if missing, never downloaded by playwright).
DSDB_CHROMIUM=$(bash scripts/install-chromium.sh)
export DSDB_CHROMIUM
npx mocha "$@"
