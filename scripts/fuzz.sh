#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — fuzzes mitra's request path (tests/fuzz/README.md).
#
# Builds tests/fuzz/request_fuzz.cpp with Clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in build/fuzz (every mitra library instrumented for coverage), then
# runs it for SECONDS (default 60) starting from tests/fuzz/corpus/request. Inputs that reach
# new code are kept in build/fuzz/corpus. An input that breaks an invariant (a crash, a sanitizer
# report, a 5xx, an answer not in the DESIGN error shape) stops the run and is written to
# build/fuzz/crash-*: fix the cause, then add the input to tests/fuzz/corpus/request, where ctest
# replays it on every build (request_fuzz_corpus).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TO_RUN="${1:-60}"
BUILD="$ROOT/build/fuzz"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is not installed (apt install clang)" >&2; exit 1; }

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMITRA_DEVELOPER_MODE=ON -DMITRA_BUILD_BENCH=OFF \
    -DMITRA_FUZZ=ON -DMITRA_SANITIZE="address;undefined" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target mitra_request_fuzz
mkdir -p "$BUILD/corpus"
cd "$BUILD"
# The clinic the target seeds lives for the whole process: leak checking would only report it.
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
    "$BUILD/tests/fuzz/mitra_request_fuzz" -max_total_time="$SECONDS_TO_RUN" -timeout=20 \
    -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
    "$BUILD/corpus" "$ROOT/tests/fuzz/corpus/request"
