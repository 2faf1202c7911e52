#!/usr/bin/env bash
# Runs the whole test suite: builds (dev preset: debug, warnings as errors), starts a throwaway
# PostgreSQL cluster for the PostgreSQL-backed tests when the backend is built, and runs ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ -f web/package.json ]; then (cd web && npm run build --silent); fi
cmake --preset dev >/dev/null
cmake --build --preset dev -j 2

cleanup() { :; }
if [ -x scripts/pg-throwaway.sh ]; then
  # Exports MITRA_TEST_PG_DSN and registers its own stop in the trap.
  source scripts/pg-throwaway.sh
  pg_throwaway_start
  cleanup() { pg_throwaway_stop; }
fi
trap cleanup EXIT

ctest --preset dev "$@"
