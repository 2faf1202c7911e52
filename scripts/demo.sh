#!/usr/bin/env bash
# Sets up and starts mitra with a demo clinic on embedded SQLite (./var/demo.db), on
# http://127.0.0.1:8080. Extra arguments go to `mitra demo` (e.g. --patients 40 --days 90).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ -f web/package.json ]; then (cd web && npm run build --silent); fi
cmake --preset release >/dev/null
cmake --build --preset release --target mitra
mkdir -p var
exec build/release/src/cli/mitra demo "$@"
