#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for the tests.
# Best effort: starts an installed cluster; as root with apt, installs and configures one.
# Without it the PostgreSQL variants of the tests are skipped locally (and fail under CI=true).
set -uo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
command -v pg_isready >/dev/null 2>&1 && ready && exit 0

if [ "$(id -u)" = 0 ] && ! command -v pg_ctlcluster >/dev/null 2>&1 && command -v apt-get >/dev/null; then
  echo "Installing PostgreSQL for the tests (apt)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if [ "$(id -u)" = 0 ] && [ -f "$hba" ] && ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
    # The tests connect as user postgres over TCP without a password (a throw-away server).
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
  fi
  ready || pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do ready && exit 0; sleep 1; done
fi
echo "PostgreSQL is not available on 127.0.0.1:5432; its test variants will be skipped." >&2
exit 0
