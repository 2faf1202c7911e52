#!/usr/bin/env bash
# Installs what mitra needs from Debian 12 (and npm, for the web app and browser tests) when it
# is missing. Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libsqlite3-dev sqlite3 libpq-dev libsodium-dev liboath-dev libssl-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev tzdata libgtest-dev libgmock-dev
  libbenchmark-dev libjemalloc-dev
  # tests: PostgreSQL for the pg-labelled tests, SUNDIALS CVODE as the PK reference solver,
  # Chromium for the browser tests, curl for scripts
  postgresql-15 postgresql-client-15 libsundials-dev chromium curl
)
# Benchmarks compare against peers: numpy/scipy, R deSolve, wrk, jq (MITRA_BENCH_DEPS=1).
if [ "${MITRA_BENCH_DEPS:-}" = 1 ]; then
  packages+=(wrk jq python3-numpy python3-scipy r-cran-desolve)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f web/package.json ] && command -v npm >/dev/null; then
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; })
fi
if [ -f tests/e2e/package.json ] && command -v npm >/dev/null; then
  (cd tests/e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund; })
fi
