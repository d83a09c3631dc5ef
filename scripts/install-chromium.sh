#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests if it is missing (playwright-core
# drives it; no browser is downloaded from anywhere else). Prints the binary's path.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  sh "$(dirname "$0")/apt-install.sh" chromium >&2
fi
command -v chromium
