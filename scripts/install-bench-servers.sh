#!/usr/bin/env bash
# Installs the servers `npm run bench` compares DSDB with, from Debian's packages, if
# missing. Only the binaries are used: the benchmark starts private instances itself
# (own data dirs and ports on 127.0.0.1) and stops them by PID; no system service runs.
set -euo pipefail
missing=()
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
command -v influxd >/dev/null || missing+=(influxdb)
[ ${#missing[@]} -eq 0 ] && exit 0
sh "$(dirname "$0")/apt-install.sh" "${missing[@]}"
