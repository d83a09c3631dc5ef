#!/usr/bin/env bash
# Installs Debian's prometheus package for its `promtool` if it is missing (the /metrics
# test runs `promtool check metrics` on the daemon's page). Prints promtool's path.
set -euo pipefail
if ! command -v promtool >/dev/null; then
  # --no-install-recommends: promtool is all the test needs, not the server's web assets.
  sh "$(dirname "$0")/apt-install.sh" --no-install-recommends prometheus >&2
fi
command -v promtool
