#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests if it is missing (playwright-core
# drives it; no browser is downloaded from anywhere else). Prints the binary's path.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y chromium >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y chromium >/dev/null; }
fi
command -v chromium
