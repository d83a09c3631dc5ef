#!/usr/bin/env bash
# Builds the example: protoc (Debian's, installed by scripts/install-protoc.sh if missing)
# generates dsdb/Dsdb.java from the repository's dsdb.proto into
# target/generated-sources/protobuf; Maven (from Debian, installed if missing) compiles it
# with the client against protobuf-java and Jackson from Maven Central (cached in ~/.m2).
# Prints the class path to run with last:
#   java -cp "$(bash build.sh)" example.WriteAndRead --port 4242
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"
PROTOC="$(bash "$ROOT/scripts/install-protoc.sh")"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "installing a JDK and Maven (Debian openjdk-17-jdk-headless, maven)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q openjdk-17-jdk-headless maven >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q openjdk-17-jdk-headless maven >/dev/null; }
fi
# Generated code needs the protobuf-java of its protoc's version.
PROTOC_VERSION="$("$PROTOC" --version | awk '{print $2}')"
POM_VERSION="$(sed -n 's:.*<protobuf.version>\(.*\)</protobuf.version>.*:\1:p' pom.xml)"
if [ "$PROTOC_VERSION" != "$POM_VERSION" ]; then
  echo "protoc is $PROTOC_VERSION but pom.xml pins protobuf-java $POM_VERSION: set <protobuf.version> to $PROTOC_VERSION" >&2
  exit 1
fi
GEN="$HERE/target/generated-sources/protobuf"
mkdir -p "$GEN"
"$PROTOC" --proto_path="$ROOT" --java_out="$GEN" "$ROOT/dsdb.proto" >&2
mvn -q -B -Dstyle.color=never package >&2
echo "$HERE/target/classes:$(cat "$HERE/target/classpath.txt")"
