#!/usr/bin/env bash
# Installs Debian's protoc (package protobuf-compiler) if it is missing, for the Go and
# Java example clients (examples/go-client, examples/java-client), which generate their
# code from dsdb.proto at build time. Prints the binary's path.
set -euo pipefail
if ! command -v protoc >/dev/null; then
  echo "installing protoc (Debian protobuf-compiler)" >&2
  sh "$(dirname "$0")/apt-install.sh" protobuf-compiler >&2
fi
command -v protoc
