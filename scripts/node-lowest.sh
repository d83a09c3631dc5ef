#!/usr/bin/env bash
# Prints the path of a Node.js binary of the lowest version package.json's engines allow
# (e.g. ">=20.19" → 20.19.0), fetched once from the npm registry's node-linux-<arch>
# package into .test-data/ (the test of the lowest supported Node runs DSDB on it).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -e "const s=require('semver');console.log(s.minVersion(require('./package.json').engines.node).version)")
arch=$(node -p process.arch)
dir=".test-data/node-$version-$arch"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-$arch@$version" >/dev/null && tar xzf "node-linux-$arch-$version.tgz" && rm -f "node-linux-$arch-$version.tgz")
fi
echo "$PWD/$dir/package/bin/node"
