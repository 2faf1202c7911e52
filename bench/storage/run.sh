#!/usr/bin/env bash
# bench/storage/run.sh — durable writes per second through mitra's HTTP API against the raw
# ceilings of the databases underneath, all measured in one run.
#
#   ceilings: bench/storage/sqlite_ceiling.c (SQLite, one row per transaction, WAL,
#             synchronous=FULL) and pgbench (PostgreSQL 15, a one-row INSERT per transaction,
#             synchronous_commit=on), with 1 and 8 clients;
#   mitra:    POST /api/v1/patients/{pid}/doses as a clinician (a durable patient-data write:
#             the dose and its audit entry in one transaction, then the safety-rule evaluation
#             over the patient's record) with wrk, 1 and 8 connections, on SQLite and on
#             PostgreSQL. Requests go round-robin over PATIENTS patients (default 100) who consent
#             to the clinician, as in a clinic: each record grows by writes/PATIENTS during a
#             run. PATIENTS=1 puts every write on one record, which then grows to thousands of
#             doses, each evaluated.
#             After each run the database is counted: every 2xx write must be stored.
# Prints writes/s and each result as a ratio of the SQLite one-row-per-transaction ceiling at the
# same client count (the issue-3 target: mitra/SQLite at 8 clients >= 1.5x, by group commit).
#
# Usage: bench/storage/run.sh [BUILD_DIR]       (default: build/release; configured if missing)
#   env: DURATION=10 (seconds per measurement); PATIENTS=100; ENDPOINT=dose|patch (default dose; patch =
#        PATCH /api/v1/patients/{pid}, a write whose cost does not grow with the record);
#        MITRA_TEST_PG_DSN (else a throwaway cluster is
#        started with scripts/pg-throwaway.sh); SKIP_PG=1 to measure SQLite only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${1:-$ROOT/build/release}"
DURATION="${DURATION:-10}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
WORK="$(mktemp -d /tmp/mitra-bench-storage.XXXXXX)"
PIDS=()
STARTED_PG=0

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ "$STARTED_PG" == 1 ]]; then pg_throwaway_stop >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "run.sh: $*" >&2; exit 1; }
for tool in wrk curl jq; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

if [[ ! -f "$BUILD_DIR/build.ninja" && ! -f "$BUILD_DIR/Makefile" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMITRA_DEVELOPER_MODE=OFF -DMITRA_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target mitra mitra_bench_sqlite_ceiling >/dev/null
MITRA="$(find "$BUILD_DIR" -type f -name mitra -perm -u+x | head -n 1)"
CEILING="$(find "$BUILD_DIR" -type f -name mitra_bench_sqlite_ceiling -perm -u+x | head -n 1)"
[[ -x "$MITRA" && -x "$CEILING" ]] || die "build failed"
export MITRA_PASSWORD_HASH_COST=min

declare -A RESULT
line() { printf '%-44s %9.0f writes/s  %s\n' "$1" "$2" "${3:-}"; }

# --- ceilings ---------------------------------------------------------------------------------
# The disk's fsync rate drifts by 2-3x within minutes on shared machines, so the SQLite ceiling
# is measured right before and right after each mitra SQLite run, and the ratio uses their mean.
sqlite_ceiling() {  # CLIENTS -> prints writes/s
    local rate
    read -r _ _ rate < <("$CEILING" "$WORK/ceiling.db" "$1" "$DURATION")
    echo "$rate"
}

if [[ "${SKIP_PG:-}" != 1 ]]; then
    if [[ -z "${MITRA_TEST_PG_DSN:-}" ]]; then
        # shellcheck source=../../scripts/pg-throwaway.sh
        source "$ROOT/scripts/pg-throwaway.sh"
        pg_throwaway_start >/dev/null
        STARTED_PG=1
    fi
    PGOPTIONS="-c client_min_messages=warning" psql -q "$MITRA_TEST_PG_DSN" -c "DROP TABLE IF EXISTS bench_doses; CREATE TABLE bench_doses (
        id BIGSERIAL PRIMARY KEY, patient_id BIGINT, taken_at_ms BIGINT, amount DOUBLE PRECISION,
        unit TEXT)" >/dev/null
    cat >"$WORK/insert.sql" <<'SQL'
\set t random(1, 1000000000)
INSERT INTO bench_doses (patient_id, taken_at_ms, amount, unit) VALUES (:client_id, :t, 1.0, 'g');
SQL
    for c in 1 8; do
        rate="$("$PG_BIN/pgbench" -n -f "$WORK/insert.sql" -c "$c" -j "$c" -T "$DURATION" \
            "$MITRA_TEST_PG_DSN" 2>/dev/null | awk '/^tps/ { print $3; exit }')"
        RESULT[pg_ceiling_$c]="$rate"
        line "ceiling: pgbench, 1-row INSERT/tx, $c client(s)" "$rate"
    done
    PGOPTIONS="-c client_min_messages=warning" psql -q "$MITRA_TEST_PG_DSN" -c "DROP TABLE bench_doses" >/dev/null
fi

# --- mitra through HTTP -----------------------------------------------------------------------
server_cpu_ticks() {  # PID -> user + system clock ticks of the process so far
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
server_switches() {  # PID -> voluntary + involuntary context switches of all its threads
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}

bench_mitra() {  # NAME DATABASE_URL
    local name="$1" db="$2" password="bench-password-1"
    local org clinician pids=() i
    "$MITRA" init --database "$db" >/dev/null
    org="$("$MITRA" org add --database "$db" --name "Bench $name" | jq -r .id)"
    clinician="$(printf '%s\n' "$password" | "$MITRA" user add --database "$db" --org "$org" \
        --role clinician --email "clin-$name@bench.test" --password-stdin | jq -r .id)"
    for ((i = 1; i <= ${PATIENTS:-100}; i++)); do
        pids+=("$(printf '%s\n' "$password" | "$MITRA" user add --database "$db" --org "$org" \
            --role patient --email "pat$i-$name@bench.test" --password-stdin | jq -r .patient_id)")
    done
    "$MITRA" serve --database "$db" --listen 127.0.0.1:0 --log-level warn ${SERVE_ARGS:-} \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    local server=$!
    PIDS+=("$server")
    local base=""
    for _ in $(seq 1 200); do
        base="$(grep -o 'http://[^ ]*' "$WORK/$name.out" 2>/dev/null | head -n 1 || true)"
        [[ -n "$base" ]] && break
        sleep 0.05
    done
    [[ -n "$base" ]] || { cat "$WORK/$name.err" >&2; die "mitra serve ($name) did not start"; }
    login() {
        curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
            -d "$(jq -nc --arg e "$1" --arg p "$password" '{email: $e, password: $p}')" |
            jq -r .token
    }
    local patient_token
    for ((i = 1; i <= ${#pids[@]}; i++)); do
        patient_token="$(login "pat$i-$name@bench.test")"
        curl -sf -X POST "$base/api/v1/patients/${pids[i - 1]}/consents" \
            -H "Authorization: Bearer $patient_token" -H 'Content-Type: application/json' \
            -d "$(jq -nc --arg g "$clinician" '{grantee_user_id: $g, purpose: "care"}')" \
            >/dev/null || die "granting consent failed"
    done
    export MITRA_TOKEN MITRA_PIDS MITRA_ENDPOINT="${ENDPOINT:-dose}"
    MITRA_PIDS="$(IFS=,; echo "${pids[*]}")"
    MITRA_TOKEN="$(login "clin-$name@bench.test")"
    local c acknowledged=0 stored
    for c in 1 8; do
        local out requests seconds non2xx sockerr p50 p99 rate before after ceil_before ceil_after
        if [[ "$name" == sqlite ]]; then
            ceil_before="$(sqlite_ceiling "$c")"
            line "ceiling: SQLite C, 1 row/tx, FULL, $c client(s), before" "$ceil_before"
        fi
        before="$(curl -sf "$base/metrics" | grep -E '^mitra_(sqlite|postgres)_' || true)"
        local cpu_before cpu_after switches_before switches_after
        cpu_before="$(server_cpu_ticks "$server")"
        switches_before="$(server_switches "$server")"
        out="$(wrk -t1 -c"$c" -d"${DURATION}s" -s "$ROOT/bench/storage/dose.lua" "$base" |
            awk '/^RESULT/')"
        read -r _ requests seconds non2xx sockerr p50 p99 <<<"$out"
        rate="$(awk -v r="$requests" -v n="$non2xx" -v s="$seconds" 'BEGIN { printf "%.1f", (r - n) / s }')"
        RESULT[${name}_$c]="$rate"
        acknowledged=$((acknowledged + requests - non2xx))
        cpu_after="$(server_cpu_ticks "$server")"
        switches_after="$(server_switches "$server")"
        line "mitra API ${ENDPOINT:-dose} write, $name, $c conn" "$rate" \
            "p50 ${p50} ms  p99 ${p99} ms  non-2xx $non2xx  socket errors $sockerr"
        # What one write costs the server: CPU (user + system, all its threads) and thread
        # switches. With 2 cores shared by wrk, the server and (for PostgreSQL) its backends,
        # CPU per write bounds the rate as surely as the disk does.
        awk -v t="$((cpu_after - cpu_before))" -v hz="$(getconf CLK_TCK)" \
            -v w="$((switches_after - switches_before))" -v n="$((requests - non2xx))" \
            -v s="$seconds" 'BEGIN { if (n > 0) printf "    server: %.0f us CPU per write (%.2f cores), %.1f thread switches per write\n",
                1e6 * t / hz / n, t / hz / s, w / n }'
        after="$(curl -sf "$base/metrics" | grep -E '^mitra_(sqlite|postgres)_' || true)"
        if [[ -n "$after" ]]; then  # how well concurrent commits were grouped
            printf '%s\n%s\n' "$before" "$after" | awk -v s="$seconds" '
                { sub(/^mitra_(sqlite|postgres)_/, "", $1); v[$1] = (($1 in v) ? $2 - v[$1] : $2) }
                END { c = v["commits_total"]; w = v["committed_writes_total"]
                      if (c > 0) printf "    group commit: %.1f writes per commit, writer busy %.0f%% (COMMIT %.0f%%)\n",
                          w / c, 100 * v["write_lane_busy_seconds_total"] / s,
                          100 * v["commit_seconds_total"] / s }'
        fi
        if [[ "$name" == sqlite ]]; then
            ceil_after="$(sqlite_ceiling "$c")"
            line "ceiling: SQLite C, 1 row/tx, FULL, $c client(s), after" "$ceil_after"
            RESULT[sqlite_ceiling_$c]="$(awk -v a="$ceil_before" -v b="$ceil_after" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
        fi
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
    # Every acknowledged write is in the database. wrk counts a response only once it is
    # complete, so stored >= acknowledged (a request cut off at the end may be stored unseen).
    if [[ "${ENDPOINT:-dose}" == dose ]]; then
        if [[ "$db" == sqlite:* ]]; then
            stored="$(sqlite3 "${db#sqlite:}" 'SELECT count(*) FROM doses')"
        else
            stored="$(psql -qAt "$db" -c 'SELECT count(*) FROM doses')"
        fi
        if ((stored < acknowledged)); then
            die "$name: $acknowledged writes acknowledged but only $stored stored"
        fi
        echo "  $name: $acknowledged writes acknowledged, $stored stored"
    fi
}

bench_mitra sqlite "sqlite:$WORK/mitra.db"
if [[ "${SKIP_PG:-}" != 1 ]]; then
    schema="bench_$$"
    PGOPTIONS="-c client_min_messages=warning" psql -q "$MITRA_TEST_PG_DSN" -c "CREATE SCHEMA $schema" >/dev/null
    sep='?'; [[ "$MITRA_TEST_PG_DSN" == *\?* ]] && sep='&'
    bench_mitra postgres "${MITRA_TEST_PG_DSN}${sep}options=-csearch_path%3D$schema"
    PGOPTIONS="-c client_min_messages=warning" psql -q "$MITRA_TEST_PG_DSN" -c "DROP SCHEMA $schema CASCADE" >/dev/null
fi

# --- ratios -----------------------------------------------------------------------------------
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
for c in 1 8; do
    echo "ratios at $c client(s), to the SQLite 1-row/tx ceiling (${RESULT[sqlite_ceiling_$c]}/s, mean of before and after):"
    echo "  mitra/SQLite     $(ratio "${RESULT[sqlite_$c]}" "${RESULT[sqlite_ceiling_$c]}")"
    if [[ "${SKIP_PG:-}" != 1 ]]; then
        echo "  mitra/PostgreSQL $(ratio "${RESULT[postgres_$c]}" "${RESULT[sqlite_ceiling_$c]}")" \
            "(to pgbench: $(ratio "${RESULT[postgres_$c]}" "${RESULT[pg_ceiling_$c]}"))"
    fi
done
echo "target (issue 3): mitra/SQLite at 8 clients >= 1.50"
