#!/bin/sh
# A private MariaDB for DSDB's tests: own datadir, socket and port on 127.0.0.1, never
# the system service; stopped by the PID in its pid file.
#   scripts/mariadb.sh install|start|stop|status
# env: DSDB_MARIADB_PORT (default 3307)
#      DSDB_MARIADB_DIR  (default .test-data/mariadb-$PORT in the repo: one server per port)
# After `start`, the server takes user dsdb / password dsdb on 127.0.0.1:$PORT, with
# rights on every database (tests create and drop their own).
set -eu
# mariadbd and mariadb-install-db live in /usr/sbin, which some shells leave out of PATH.
PATH="$PATH:/usr/sbin:/usr/bin:/sbin"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${DSDB_MARIADB_PORT:-3307}
DIR=${DSDB_MARIADB_DIR:-$ROOT/.test-data/mariadb-$PORT}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PIDF="$DIR/mysqld.pid"
SOCK="$DIR/mysqld.sock"
# A unix socket path is limited to 107 bytes: a deep checkout gets its socket under /tmp.
if [ ${#SOCK} -gt 100 ]; then SOCK="/tmp/dsdb-mariadb-$(echo "$DIR" | cksum | cut -d' ' -f1).sock"; fi

install() {
  command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 && return 0
  echo "installing MariaDB from Debian packages" >&2
  sh "$ROOT/scripts/apt-install.sh" mariadb-server mariadb-client
}

running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }

start() {
  if running; then echo "mariadb already running (pid $(cat "$PIDF"), port $PORT)"; return 0; fi
  install
  if [ ! -d "$DIR/db/mysql" ]; then
    # --no-defaults first on every tool: Debian's my.cnf would move the socket and pid.
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DIR/db" \
      --auth-root-authentication-method=normal --skip-test-db >"$DIR/install.log" 2>&1 ||
      { echo "mariadb-install-db failed, see $DIR/install.log" >&2; exit 1; }
  fi
  # Test-only durability settings (no fsync per commit, no doublewrite): fast, unsafe for production.
  # Output goes to files: a server holding our stdout open would hang a caller's pipe.
  mariadbd --no-defaults --user="$(id -un)" --datadir="$DIR/db" \
    --socket="$SOCK" --pid-file="$PIDF" --bind-address=127.0.0.1 --port="$PORT" \
    --log-error="$DIR/error.log" --skip-name-resolve --skip-log-bin \
    --character-set-server=utf8mb4 --max-allowed-packet=64M \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=96M \
    --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
    </dev/null >>"$DIR/stdout.log" 2>&1 &
  MPID=$!
  i=0
  until mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1; do
    kill -0 "$MPID" 2>/dev/null || { echo "mariadbd exited; tail of $DIR/error.log:" >&2; tail -5 "$DIR/error.log" >&2; exit 1; }
    i=$((i + 1)); [ $i -gt 600 ] && { echo "mariadbd not ready after 60 s" >&2; kill -TERM "$MPID"; exit 1; }
    sleep 0.1
  done
  mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
CREATE USER IF NOT EXISTS 'dsdb'@'127.0.0.1' IDENTIFIED BY 'dsdb';
GRANT ALL ON *.* TO 'dsdb'@'127.0.0.1';
SQL
  echo "mariadb ready: mysql://dsdb:dsdb@127.0.0.1:$PORT (pid $MPID)"
}

stop() {
  [ -f "$PIDF" ] || { echo "mariadb not running"; return 0; }
  PID=$(cat "$PIDF")
  kill -TERM "$PID" 2>/dev/null || { echo "stale pid file"; rm -f "$PIDF"; return 0; }
  i=0
  while kill -0 "$PID" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && { kill -KILL "$PID"; break; }
    sleep 0.1
  done
  rm -f "$PIDF"
  echo "mariadb stopped (pid $PID)"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) if running; then echo "running (pid $(cat "$PIDF"), port $PORT)"; else echo "not running"; exit 1; fi ;;
*) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
