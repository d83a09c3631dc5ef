#!/usr/bin/env bash
# Installs Debian's iproute2 (for `ss`) if it is missing: the connection tests read a
# listening socket's backlog with it. Prints ss's path.
set -euo pipefail
if ! command -v ss >/dev/null; then
  sh "$(dirname "$0")/apt-install.sh" --no-install-recommends iproute2 >&2
fi
command -v ss
