#!/usr/bin/env bash
# Installs Debian's netcat (netcat-openbsd, the `nc` the README's examples use) if it is
# missing: the docs-examples test runs those examples as written. Prints nc's path.
set -euo pipefail
if ! command -v nc >/dev/null; then
  sh "$(dirname "$0")/apt-install.sh" --no-install-recommends netcat-openbsd >&2
fi
command -v nc
