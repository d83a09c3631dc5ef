#!/usr/bin/env bash
# Builds the example: protoc (Debian's, installed by scripts/install-protoc.sh if missing)
# with protoc-gen-go (built from google.golang.org/protobuf, fetched through the Go module
# proxy at the version go.mod/go.sum pin) generates dsdbpb/dsdb.pb.go from the
# repository's dsdb.proto; then `go build` makes bin/dsdb-go-client. Every Go cache lives
# in the repository's .cache/go/ (ignored by git). Idempotent. Prints the binary's path last.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"
PROTOC="$(bash "$ROOT/scripts/install-protoc.sh")"
if ! command -v go >/dev/null; then
  echo "go not found: this example needs Go >= 1.23 on the PATH (https://go.dev/doc/install)" >&2
  exit 1
fi
CACHE="$ROOT/.cache/go"
export GOFLAGS="-mod=mod -modcacherw" GOMODCACHE="$CACHE/mod" GOCACHE="$CACHE/build" GOPATH="$CACHE/gopath"
mkdir -p bin dsdbpb
go build -o bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go >&2
"$PROTOC" --plugin=protoc-gen-go="$HERE/bin/protoc-gen-go" --proto_path="$ROOT" \
  --go_out="$HERE/dsdbpb" --go_opt=paths=source_relative --go_opt=Mdsdb.proto=dsdb.example/goclient/dsdbpb \
  "$ROOT/dsdb.proto" >&2
go build -o bin/dsdb-go-client . >&2
echo "$HERE/bin/dsdb-go-client"
