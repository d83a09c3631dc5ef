#!/bin/bash
# A private single-node Riak KV 3.2.2p1 (OpenRiak) for DSDB's tests and benches, from the
# prebuilt release tarball (Debian 12 amd64; no registry serves Riak): its own directory,
# every listener on 127.0.0.1, the leveled backend (2i), stopped by `riak stop`, then by
# the PIDs it recorded (the node's VM and its own epmd), so nothing outlives the run.
#   scripts/riak.sh start|stop|status|port|release
# env: DSDB_RIAK_RELEASE  the release tarball (default ../shared/research/riak/riak-3.2.2p1-rel-debian12-amd64.tgz
#                         beside the repository: CI clones the repo next to shared/)
#      DSDB_RIAK_PORT     HTTP port (default 18098); protobuf, epmd, cluster manager, handoff and
#                         Erlang distribution take the 13 ports above it, so two nodes 14 apart never collide
#      DSDB_RIAK_DIR      default .test-data/riak-$PORT in the repo
# `start` prints the node's URL once /ping answers (about 15 s). A missing release exits 3,
# saying so; `release` exits 3 the same way without starting anything.
# Adapted from the start script that came with the release (research/riak/start-release.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RELEASE=${DSDB_RIAK_RELEASE:-$ROOT/../shared/research/riak/riak-3.2.2p1-rel-debian12-amd64.tgz}
HTTP_PORT=${DSDB_RIAK_PORT:-18098}
DIR=${DSDB_RIAK_DIR:-$ROOT/.test-data/riak-$HTTP_PORT}
N="$DIR/riak"
export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$((HTTP_PORT + 2))

release() {
  [ -f "$RELEASE" ] && return 0
  echo "the Riak release is missing: $RELEASE (set DSDB_RIAK_RELEASE to the riak-3.2.2p1-rel-debian12-amd64.tgz tarball)" >&2
  exit 3
}

install() {
  # the release carries its own Erlang; it needs libcrypto and libpam from Debian
  [ -e /usr/lib/x86_64-linux-gnu/libcrypto.so.3 ] && [ -e /usr/lib/x86_64-linux-gnu/libpam.so.0 ] && return 0
  echo "installing libssl3 and libpam0g from Debian packages" >&2
  sh "$ROOT/scripts/apt-install.sh" libssl3 libpam0g
}

# A base port with it and the 13 above it free on 127.0.0.1 (tried from a random start).
port() {
  node -e '
    const net = require("net");
    const free = (p) => new Promise((r) => { const s = net.createServer().once("error", () => r(false)).listen(p, "127.0.0.1", () => s.close(() => r(true))); });
    (async () => {
      for (let tries = 0; tries < 200; tries++) {
        const base = 20000 + Math.floor(Math.random() * 2800) * 14;
        let ok = true;
        for (let p = base; p < base + 14 && ok; p++) ok = await free(p);
        if (ok) { console.log(base); return; }
      }
      process.exit(1);
    })();'
}

configure() {
  mkdir -p "$DIR"
  tar xzf "$RELEASE" -C "$DIR"
  local C="$N/etc/riak.conf"
  sed -i -e "s/^listener.http.internal = .*/listener.http.internal = 127.0.0.1:$HTTP_PORT/" \
         -e "s/^listener.protobuf.internal = .*/listener.protobuf.internal = 127.0.0.1:$((HTTP_PORT + 1))/" \
         -e "s/^storage_backend = .*/storage_backend = leveled/" \
         -e "s/^anti_entropy = .*/anti_entropy = passive/" \
         -e "s/^nodename = .*/nodename = riak$HTTP_PORT@127.0.0.1/" \
         -e "s/^mdc.cluster_manager = .*/mdc.cluster_manager = 127.0.0.1:$((HTTP_PORT + 3))/" "$C"
  cat >> "$C" <<CONF
ring_size = 8
handoff.ip = 127.0.0.1
handoff.port = $((HTTP_PORT + 4))
erlang.distribution.interface = 127.0.0.1
erlang.distribution.port_range.minimum = $((HTTP_PORT + 5))
erlang.distribution.port_range.maximum = $((HTTP_PORT + 13))
CONF
  sed -i "s/{cluster_mgr, {\"127.0.0.1\", [0-9]* } }/{cluster_mgr, {\"127.0.0.1\", $((HTTP_PORT + 3)) } }/" "$N/etc/advanced.config"
}

ping() { curl -sf "http://127.0.0.1:$HTTP_PORT/ping" >/dev/null 2>&1; }

start() {
  release
  install
  [ -x "$N/bin/riak" ] || configure
  if ping; then echo "http://127.0.0.1:$HTTP_PORT"; return 0; fi
  # output to files: a node holding our stdout open would hang a caller's pipe
  "$N/bin/riak" daemon </dev/null >>"$DIR/daemon.log" 2>&1
  for _ in $(seq 1 240); do ping && break; sleep 0.5; done
  ping || { echo "riak did not answer on $HTTP_PORT; see $N/log" >&2; exit 1; }
  "$N/bin/riak" pid >"$DIR/riak.pid" 2>/dev/null || true
  "$N/bin/riak" admin wait-for-service riak_kv >/dev/null 2>&1 || true
  # /ping answers before the vnodes serve (GETs then fail with insufficient_vnodes): wait for a
  # plain "not found" from the KV service itself
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/buckets/dsdb_probe/keys/probe")" = 404 ] && break
    sleep 0.5
  done
  echo "http://127.0.0.1:$HTTP_PORT"
}

stop() {
  [ -x "$N/bin/riak" ] || { echo "riak not installed in $DIR"; return 0; }
  "$N/bin/riak" stop >/dev/null 2>&1 || true
  # the VM, if `riak stop` could not reach it: by the PID recorded at start
  if [ -f "$DIR/riak.pid" ]; then
    PID=$(cat "$DIR/riak.pid")
    if [[ "$PID" =~ ^[0-9]+$ ]]; then
      for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$PID" 2>/dev/null || true
    fi
    rm -f "$DIR/riak.pid"
  fi
  # the epmd this node started listens on its own port: ask that one to exit
  for e in "$N"/erts-*/bin/epmd; do "$e" -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true; done
  echo "riak stopped (port $HTTP_PORT)"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) if ping; then echo "running (http://127.0.0.1:$HTTP_PORT)"; else echo "not running"; exit 1; fi ;;
port) port ;;
release) release ;;
*) echo "usage: $0 start|stop|status|port|release" >&2; exit 2 ;;
esac
