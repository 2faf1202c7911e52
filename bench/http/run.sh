#!/usr/bin/env bash
# bench/http/run.sh — HTTP throughput and latency of mitra against a bare Boost.Beast ceiling.
#
# Measures, in one run, with wrk (-t1 -c8 -d10s --latency; server pinned to CPU 1, wrk to CPU 0):
#   1. the ceiling: bench/http/hello_server.cpp (Beast + C++20 coroutines, one I/O thread,
#      {"ok":true}, keep-alive), built in the same tree;
#   2. mitra: GET /healthz and an authenticated GET /api/v1/patients/{pid} (a clinician reading a
#      patient who consented), on a fresh SQLite database made with the CLI (DESIGN.md contract);
# plus src/http alone with a no-op dispatcher (bench/http/transport_server.cpp),
# and prints each as a fraction of the ceiling with p50/p99, plus each server's idle RSS. The
# ceiling is measured first and again last, and the fractions use the mean of the two.
#
# With MITRA_BENCH_PG_DSN set (a PostgreSQL URL whose user may create schemas, e.g. the
# MITRA_TEST_PG_DSN of scripts/pg-throwaway.sh), the authenticated read is measured once more on
# PostgreSQL, in a fresh schema (PostgreSQL's own processes are not pinned: not comparable to the
# ceiling as strictly as the SQLite line, and not part of the target).
#
# Usage: bench/http/run.sh [BUILD_DIR]        (default: build/release; built if missing)
#   env: DURATION=10s CONNECTIONS=8 SERVER_CPU=1 CLIENT_CPU=0 HELLO_ONLY=1 (skip mitra itself)
#        MITRA_BENCH_PG_DSN (also read on PostgreSQL)
# Targets (issue 2): authenticated read >= 50 % of the ceiling; p99 < 2 ms at 8 connections;
# idle RSS <= 30 MB.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${1:-$ROOT/build/release}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
SERVER_CPU="${SERVER_CPU:-1}"
CLIENT_CPU="${CLIENT_CPU:-0}"
WORK="$(mktemp -d /tmp/mitra-bench-http.XXXXXX)"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

die() { echo "run.sh: $*" >&2; exit 1; }

for tool in wrk taskset curl jq; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

build() {
    if [[ ! -f "$BUILD_DIR/build.ninja" && ! -f "$BUILD_DIR/Makefile" ]]; then
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DMITRA_DEVELOPER_MODE=OFF -DMITRA_BUILD_BENCH=ON >/dev/null
    fi
    cmake --build "$BUILD_DIR" -j2 --target "$@" >/dev/null
}

find_binary() {  # NAME -> path of the built executable, or nothing
    find "$BUILD_DIR" -type f -name "$1" -perm -u+x 2>/dev/null | head -n 1
}

# start_server LOGNAME CMD... : starts CMD pinned to SERVER_CPU, waits for its
# "listening on http://HOST:PORT" line, sets SERVER_PID and SERVER_URL.
start_server() {
    local name="$1"
    shift
    taskset -c "$SERVER_CPU" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local i
    for i in $(seq 1 200); do
        SERVER_URL="$(grep -o 'http://[^ ]*' "$WORK/$name.out" 2>/dev/null | head -n 1 || true)"
        [[ -n "$SERVER_URL" ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WORK/$name.err" >&2
    die "$name did not print 'listening on http://HOST:PORT'"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

idle_rss_mb() {  # PID -> resident set size in MB, from /proc
    awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

to_ms() {  # wrk duration ("63.00us", "1.20ms", "2.00s") -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
        printf "%.3f", n }'
}

# run_wrk URL [HEADER] -> sets RPS, P50_MS, P99_MS, ERRORS
run_wrk() {
    local url="$1" header="${2:-}" out="$WORK/wrk.out"
    local args=(-t1 -c"$CONNECTIONS" -d"$DURATION" --latency)
    [[ -n "$header" ]] && args+=(-H "$header")
    taskset -c "$CLIENT_CPU" wrk "${args[@]}" "$url" >"$out"
    RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    P50_MS="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
    P99_MS="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
    ERRORS="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    ERRORS="${ERRORS:-0}"
}

# Results are kept and printed at the end, each as a fraction of the mean of the ceiling measured
# first and again last: the machine's speed drifts by 30-50 % within minutes on shared hosts.
CEILING_RPS=()
LINES=()
report() {  # NAME RSS_MB
    LINES+=("$1|$RPS|$P50_MS|$P99_MS|$ERRORS|$2")
}
print_results() {
    local mean line name rps p50 p99 errors rss
    mean="$(printf '%s\n' "${CEILING_RPS[@]}" | awk '{ s += $1 } END { printf "%.0f", s / NR }')"
    echo "ceiling measured ${#CEILING_RPS[@]} times: ${CEILING_RPS[*]} rps; fractions use the mean, $mean rps"
    for line in "${LINES[@]}"; do
        IFS='|' read -r name rps p50 p99 errors rss <<<"$line"
        printf '%-46s %10.0f rps  %5s of ceiling  p50 %7.3f ms  p99 %7.3f ms  non-2xx %s  idle RSS %s MB\n' \
            "$name" "$rps" "$(awk -v a="$rps" -v b="$mean" 'BEGIN { printf "%.2f", a / b }')" \
            "$p50" "$p99" "$errors" "$rss"
    done
}

# ---------------------------------------------------------------------------------------------
# The ceiling: the bare Beast hello server.
# ---------------------------------------------------------------------------------------------
bench_ceiling() {  # LABEL
    build mitra_bench_hello_server
    local hello
    hello="$(find_binary mitra_bench_hello_server)"
    [[ -n "$hello" ]] || die "mitra_bench_hello_server was not built in $BUILD_DIR"
    start_server hello "$hello" 0
    sleep 0.2
    local rss
    rss="$(idle_rss_mb "$SERVER_PID")"
    run_wrk "$SERVER_URL/"
    CEILING_RPS+=("$RPS")
    report "ceiling: Beast hello server, $1" "$rss"
    stop_server
}

# mitra's transport (src/http) with a no-op dispatcher: what the HTTP layer alone costs.
bench_transport() {
    build mitra_bench_http_transport
    local transport
    transport="$(find_binary mitra_bench_http_transport)"
    [[ -n "$transport" ]] || die "mitra_bench_http_transport was not built in $BUILD_DIR"
    start_server transport "$transport" 0 info
    sleep 0.2
    local rss
    rss="$(idle_rss_mb "$SERVER_PID")"
    run_wrk "$SERVER_URL/healthz"
    report "src/http + no-op dispatcher" "$rss"
    stop_server
}

# ---------------------------------------------------------------------------------------------
# >>> MITRA: benchmark one URL of a running mitra server. <<<
# bench_mitra LABEL BASE_URL PATH [BEARER_TOKEN] [IDLE_RSS_MB]
#   Runs the same wrk load as the ceiling against BASE_URL+PATH (with
#   "Authorization: Bearer TOKEN" when a token is given) and prints the line for LABEL as a
#   fraction of the ceiling (bench_ceiling must have run first). IDLE_RSS_MB is printed as given
#   (measure it with idle_rss_mb PID before loading the server).
# ---------------------------------------------------------------------------------------------
bench_mitra() {
    local label="$1" base_url="$2" path="$3" token="${4:-}" rss="${5:--}" header=""
    [[ -n "$token" ]] && header="Authorization: Bearer $token"
    run_wrk "$base_url$path" "$header"
    report "$label" "$rss"
}

# bench_mitra_suite DATABASE_URL LABEL_PREFIX: creates a database with the CLI (DESIGN.md
# command-line contract), starts `mitra serve`, signs in over HTTP, then benchmarks GET /healthz
# (SQLite only) and an authenticated patient read.
bench_mitra_suite() {
    build mitra
    local mitra
    mitra="$(find_binary mitra)"
    [[ -n "$mitra" ]] || die "the mitra executable was not built in $BUILD_DIR"
    local db="$1" prefix="$2" password="bench-password-1234"

    "$mitra" init --database "$db" >/dev/null
    local org clinician patient_json patient_user pid
    org="$("$mitra" org add --database "$db" --name "Bench Clinic" | jq -r .id)"
    clinician="$(printf '%s\n' "$password" | "$mitra" user add --database "$db" --org "$org" \
        --role clinician --email clinician@bench.test --password-stdin | jq -r .id)"
    patient_json="$(printf '%s\n' "$password" | "$mitra" user add --database "$db" --org "$org" \
        --role patient --email patient@bench.test --password-stdin)"
    patient_user="$(jq -r .id <<<"$patient_json")"
    pid="$(jq -r .patient_id <<<"$patient_json")"
    [[ -n "$org" && -n "$clinician" && -n "$patient_user" && "$pid" != null ]] ||
        die "CLI did not return the ids (org=$org clinician=$clinician patient=$pid)"

    start_server mitra "$mitra" serve --database "$db" --listen 127.0.0.1:0 ${SERVE_ARGS:-}
    local base="$SERVER_URL"
    sleep 0.3
    local rss
    rss="$(idle_rss_mb "$SERVER_PID")"

    login() {  # EMAIL -> token
        curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
            -d "$(jq -nc --arg e "$1" --arg p "$password" '{email: $e, password: $p}')" |
            jq -r .token
    }
    local patient_token clinician_token
    patient_token="$(login patient@bench.test)"
    # The patient lets the clinician see their record (purpose care).
    curl -sf -X POST "$base/api/v1/patients/$pid/consents" \
        -H "Authorization: Bearer $patient_token" -H 'Content-Type: application/json' \
        -d "$(jq -nc --arg g "$clinician" '{grantee_user_id: $g, purpose: "care"}')" >/dev/null ||
        die "granting consent failed"
    clinician_token="$(login clinician@bench.test)"
    [[ -n "$clinician_token" && "$clinician_token" != null ]] || die "clinician login failed"
    curl -sf "$base/api/v1/patients/$pid" -H "Authorization: Bearer $clinician_token" \
        >/dev/null || die "the clinician cannot read the consented patient"

    if [[ "$db" == sqlite:* ]]; then
        bench_mitra "$prefix: GET /healthz" "$base" /healthz "" "$rss"
    fi
    bench_mitra "$prefix: GET /api/v1/patients/{pid}" "$base" "/api/v1/patients/$pid" \
        "$clinician_token" "$rss"
    stop_server
}

# A PostgreSQL URL naming a fresh schema (search_path) of MITRA_BENCH_PG_DSN.
pg_bench_url() {
    local schema="bench_http_$$"
    PGOPTIONS="-c client_min_messages=warning" psql -q "$MITRA_BENCH_PG_DSN" \
        -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null ||
        die "cannot create schema $schema in MITRA_BENCH_PG_DSN"
    local sep='?'
    [[ "$MITRA_BENCH_PG_DSN" == *\?* ]] && sep='&'
    echo "$MITRA_BENCH_PG_DSN${sep}options=-csearch_path%3D$schema"
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION --latency; server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
bench_ceiling first
bench_transport
if [[ "${HELLO_ONLY:-0}" != 1 ]]; then
    bench_mitra_suite "sqlite:$WORK/bench.db" mitra
    if [[ -n "${MITRA_BENCH_PG_DSN:-}" ]]; then
        command -v psql >/dev/null || die "psql is not installed"
        bench_mitra_suite "$(pg_bench_url)" "mitra/PostgreSQL"
    fi
fi
bench_ceiling last
print_results
