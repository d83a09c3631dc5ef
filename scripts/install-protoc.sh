#!/usr/bin/env bash
# Installs Debian's protoc (package protobuf-compiler) if it is missing, for the Go and
# Java example clients (examples/go-client, examples/java-client), which generate their
# code from dsdb.proto at build time. Prints the binary's path.
set -euo pipefail
if ! command -v protoc >/dev/null; then
  echo "installing protoc (Debian protobuf-compiler)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q protobuf-compiler >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q protobuf-compiler >/dev/null; }
fi
command -v protoc
