#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into a venv cached in .schemathesis-cache/ (beside
# .oracle-cache/; reused while the pinned version is unchanged) and prints the path of its
# `schemathesis` command. test/openapi/schemathesis.test runs it against a daemon.
# python3 and its venv module come from Debian when missing (python3, python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
VENV=${DSDB_SCHEMATHESIS_VENV:-$(pwd)/.schemathesis-cache/venv-$VERSION}
# .complete is written last: an install cut short is redone, never used half-made.
if [ ! -f "$VENV/.complete" ]; then
  if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    sh scripts/apt-install.sh --no-install-recommends python3 python3-venv >&2
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/schemathesis"
