#!/usr/bin/env bash
# bench/pk/run.sh: B1 and B2 of shared/reference/performance.md in one run.
# Builds mitra_pk_bench in a Release tree (build/pk-bench unless BUILD_DIR is set), runs ours
# and CVODE in process, then the numpy/scipy and R deSolve peers on the same case, checks every
# peer agrees with ours to <= 1e-6 relative, and prints ratios (peer time / our time).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$root/build/pk-bench}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMITRA_BUILD_BENCH=ON \
    -DMITRA_DEVELOPER_MODE=OFF -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target mitra_pk_bench -j2 >/dev/null

echo "== ours + CVODE + population (taskset cpu 1 for single-thread figures where possible)"
MITRA_DATA_DIR="$root/data" "$build/bench/pk/mitra_pk_bench" "$work" | tee "$work/bench.out"

echo "== numpy / scipy peers"
/usr/bin/python3 "$root/bench/pk/peer_numpy.py" "$work" | tee -a "$work/bench.out"

echo "== R deSolve peer"
if command -v R >/dev/null && Rscript -e 'library(deSolve)' >/dev/null 2>&1; then
    cp "$root/bench/pk/peer_desolve.c" "$work/"
    (cd "$work" && R CMD SHLIB peer_desolve.c >/dev/null 2>&1)
    Rscript "$root/bench/pk/peer_desolve.R" "$work" "$work/peer_desolve.so" | tee -a "$work/bench.out"
else
    echo "R deSolve not available: skipped"
fi

echo "== summary (one subject, 270 doses, 2,160 points; ratio = peer time / our time)"
awk 'BEGIN { n = 0 }
/^OURS/ { ours = $2 }
/^PEER/ { name[n] = $2; t[n] = $3; err[n] = $4; n++ }
END {
  printf "%-28s %14s %12s %12s %10s\n", "engine", "s/subject", "ns/point", "ratio", "max rel err"
  printf "%-28s %14.3e %12.2f %12s %10s\n", "mitra (ours)", ours, ours * 1e9 / 2160, "1", "-"
  for (i = 0; i < n; i++) {
    ok = (err[i] + 0 <= 1e-6) ? "" : "  DISAGREES"
    printf "%-28s %14.3e %12.1f %11.0fx %10s%s\n", name[i], t[i], t[i] * 1e9 / 2160, t[i] / ours, err[i], ok
  }
}' "$work/bench.out"
