#!/usr/bin/env bash
# Installs Debian's netcat (netcat-openbsd, the `nc` the README's examples use) if it is
# missing: the docs-examples test runs those examples as written. Prints nc's path.
set -euo pipefail
if ! command -v nc >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends netcat-openbsd >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends netcat-openbsd >/dev/null; }
fi
command -v nc
