#!/usr/bin/env bash
# Start a standalone HBase (master + regionserver + embedded ZooKeeper, one JVM) and the REST gateway.
# Usage: ./start.sh [DATA_DIR]      (or env HBASE_DATA_DIR; default: ./data next to this script)
# Env:   HBASE_REST_PORT (8080)  HBASE_ZK_PORT (2181)  HBASE_MASTER_PORT (16000)  HBASE_RS_PORT (16020)
#        HBASE_HEAP (1g)  HBASE_REST_HEAP (256m)
#        HBASE_START_TIMEOUT (seconds to wait for REST, default 180)  JAVA (java on PATH)
# Needs lib/ filled first:  mvn -q dependency:copy-dependencies -DoutputDirectory=lib
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="${1:-${HBASE_DATA_DIR:-$HERE/data}}"
mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
REST_PORT="${HBASE_REST_PORT:-8080}"
ZK_PORT="${HBASE_ZK_PORT:-2181}"
MASTER_PORT="${HBASE_MASTER_PORT:-16000}"
RS_PORT="${HBASE_RS_PORT:-16020}"
JAVA="${JAVA:-java}"
TIMEOUT="${HBASE_START_TIMEOUT:-180}"

LIB="${HBASE_LIB:-$HERE/lib}"
if ! ls "$LIB"/hbase-server-*.jar >/dev/null 2>&1; then
  echo "lib/ is empty: run (cd '$HERE' && mvn -q dependency:copy-dependencies -DoutputDirectory=lib)" >&2; exit 1
fi
for f in master.pid rest.pid; do
  if [ -f "$DATA_DIR/$f" ] && kill -0 "$(cat "$DATA_DIR/$f")" 2>/dev/null; then
    echo "already running ($f=$(cat "$DATA_DIR/$f")); run ./stop.sh $DATA_DIR first" >&2; exit 1
  fi
done

mkdir -p "$DATA_DIR/conf" "$DATA_DIR/logs" "$DATA_DIR/hbase" "$DATA_DIR/zookeeper" "$DATA_DIR/tmp"
sed -e "s#@DATA_DIR@#$DATA_DIR#g" -e "s#@ZK_PORT@#$ZK_PORT#g" -e "s#@REST_PORT@#$REST_PORT#g" \
  -e "s#@MASTER_PORT@#$MASTER_PORT#g" -e "s#@RS_PORT@#$RS_PORT#g" \
  "$HERE/hbase-site.xml.template" > "$DATA_DIR/conf/hbase-site.xml"
cp "$HERE/log4j2.properties" "$DATA_DIR/conf/log4j2.properties"

CP="$DATA_DIR/conf:$LIB/*"
# JDK 17 module flags (HBase's JDK 17 set). Without them the REST server dies at startup
# (InaccessibleObjectException: java.lang.ClassLoader.defineClass, from JAXB) and the master falls back from Unsafe.
JDK17_OPTS="-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true --add-modules jdk.unsupported
 --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED
 --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
 --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED
 --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.util.concurrent=ALL-UNNAMED
 --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.security.jgss/sun.security.krb5=ALL-UNNAMED
 --add-exports java.base/sun.net.dns=ALL-UNNAMED --add-exports java.base/sun.net.util=ALL-UNNAMED"
COMMON_OPTS="-Djava.net.preferIPv4Stack=true -Dlog4j2.configurationFile=$DATA_DIR/conf/log4j2.properties -Dhbase.log.dir=$DATA_DIR/logs -XX:+UseG1GC"

# on any failure below: stop whatever was started, so no orphan JVM keeps the ports
fail() { echo "$1" >&2; "$HERE/stop.sh" "$DATA_DIR" >&2; exit 1; }
T0=$(date +%s)
# shellcheck disable=SC2086
nohup "$JAVA" -Dproc_master -Xmx"${HBASE_HEAP:-1g}" $JDK17_OPTS $COMMON_OPTS -cp "$CP" \
  org.apache.hadoop.hbase.master.HMaster start > "$DATA_DIR/logs/master.log" 2>&1 < /dev/null &
echo $! > "$DATA_DIR/master.pid"
echo "HBase master pid $(cat "$DATA_DIR/master.pid"), log $DATA_DIR/logs/master.log"

# wait for the embedded ZooKeeper before starting REST (REST needs it to find hbase:meta)
for _ in $(seq 1 "$TIMEOUT"); do
  (exec 3<>/dev/tcp/127.0.0.1/"$ZK_PORT") 2>/dev/null && break
  kill -0 "$(cat "$DATA_DIR/master.pid")" 2>/dev/null || { tail -30 "$DATA_DIR/logs/master.log" >&2; fail "master died, see $DATA_DIR/logs/master.log"; }
  sleep 1
done

# shellcheck disable=SC2086
nohup "$JAVA" -Dproc_rest -Xmx"${HBASE_REST_HEAP:-256m}" $JDK17_OPTS $COMMON_OPTS -cp "$CP" \
  org.apache.hadoop.hbase.rest.RESTServer -p "$REST_PORT" start > "$DATA_DIR/logs/rest.log" 2>&1 < /dev/null &
echo $! > "$DATA_DIR/rest.pid"
echo "HBase REST pid $(cat "$DATA_DIR/rest.pid"), log $DATA_DIR/logs/rest.log"

# "ready" = REST answers /version/cluster AND /namespaces lists "default".
# /version/cluster alone answers ~4 s before the master finishes initializing (DDL would then fail).
for _ in $(seq 1 "$TIMEOUT"); do
  if curl -sf -H 'Accept: application/json' "http://127.0.0.1:$REST_PORT/version/cluster" >/dev/null 2>&1 &&
     curl -sf -H 'Accept: application/json' "http://127.0.0.1:$REST_PORT/namespaces" 2>/dev/null | grep -q '"default"'; then
    echo "REST ready on http://127.0.0.1:$REST_PORT after $(( $(date +%s) - T0 ))s: $(curl -s -H 'Accept: application/json' "http://127.0.0.1:$REST_PORT/version/cluster")"
    exit 0
  fi
  for p in master rest; do
    kill -0 "$(cat "$DATA_DIR/$p.pid")" 2>/dev/null || { tail -30 "$DATA_DIR/logs/$p.log" >&2; fail "$p died, see $DATA_DIR/logs/$p.log"; }
  done
  sleep 1
done
fail "timed out after ${TIMEOUT}s waiting for REST; logs in $DATA_DIR/logs"
