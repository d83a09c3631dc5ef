#!/usr/bin/env bash
# Installs Debian's prometheus package for its `promtool` if it is missing (the /metrics
# test runs `promtool check metrics` on the daemon's page). Prints promtool's path.
set -euo pipefail
if ! command -v promtool >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: promtool is all the test needs, not the server's web assets.
  $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null; }
fi
command -v promtool
