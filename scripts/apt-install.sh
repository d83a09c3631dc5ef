#!/bin/sh
# Installs Debian packages for the test and bench scripts: `sh scripts/apt-install.sh [--no-install-recommends] PKG...`.
# - tries the local package lists first and updates them once if that fails (a fresh machine may have none);
# - finishes a dpkg run an earlier, interrupted install left half done (apt refuses to run until then);
# - waits for the dpkg lock, since npm test starts several servers' installs side by side.
# Output goes to stderr only on failure; exits non-zero when the packages could not be installed.
set -eu
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
LOCK="-o DPkg::Lock::Timeout=600"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# dpkg's own lock wait: a concurrent install holds it while it runs
n=0
until $SUDO dpkg --configure -a >"$LOG" 2>&1; do
  grep -qi lock "$LOG" || break # not the lock: apt-get below says what is wrong
  n=$((n + 1)); [ "$n" -lt 120 ] || { cat "$LOG" >&2; exit 1; }
  sleep 5
done
if ! $SUDO apt-get install $LOCK -y -q "$@" >"$LOG" 2>&1; then
  $SUDO apt-get update $LOCK -q >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
  $SUDO apt-get install $LOCK -y -q "$@" >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
fi
