/* bench/storage/sqlite_ceiling.c — the raw SQLite durable-write ceiling: one row per
 * transaction (BEGIN IMMEDIATE; INSERT; COMMIT) in WAL mode with synchronous=FULL, from
 * CLIENTS threads each on its own connection, for SECONDS. Prints "<commits> <seconds>
 * <commits/s>".
 *
 * usage: sqlite_ceiling DB_PATH CLIENTS SECONDS
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char* g_path;
static double g_deadline;
static long g_commits[64];

static double Now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void Check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void* Worker(void* arg) {
    const long index = (long)arg;
    sqlite3* db = NULL;
    Check(db, sqlite3_open(g_path, &db), "open");
    sqlite3_busy_timeout(db, 10000);
    Check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                           NULL), "pragma");
    sqlite3_stmt* insert = NULL;
    Check(db, sqlite3_prepare_v2(db, "INSERT INTO doses (patient_id, taken_at_ms, amount, unit) "
                                     "VALUES (?1, ?2, 1.0, 'g')", -1, &insert, NULL), "prepare");
    long n = 0;
    while (Now() < g_deadline) {
        Check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
        sqlite3_bind_int64(insert, 1, index);
        sqlite3_bind_int64(insert, 2, n);
        Check(db, sqlite3_step(insert), "insert");
        sqlite3_reset(insert);
        Check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
        ++n;
    }
    g_commits[index] = n;
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return NULL;
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DB_PATH CLIENTS SECONDS\n", argv[0]);
        return 2;
    }
    g_path = argv[1];
    const int clients = atoi(argv[2]);
    const double seconds = atof(argv[3]);
    if (clients < 1 || clients > 64) {
        fprintf(stderr, "CLIENTS must be 1..64\n");
        return 2;
    }
    unlink(g_path);
    sqlite3* db = NULL;
    Check(db, sqlite3_open(g_path, &db), "open");
    Check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE doses (id INTEGER PRIMARY "
                               "KEY, patient_id INTEGER, taken_at_ms INTEGER, amount REAL, unit "
                               "TEXT)", NULL, NULL, NULL), "schema");
    sqlite3_close(db);
    pthread_t threads[64];
    const double start = Now();
    g_deadline = start + seconds;
    for (long i = 0; i < clients; ++i) {
        pthread_create(&threads[i], NULL, Worker, (void*)i);
    }
    long total = 0;
    for (int i = 0; i < clients; ++i) {
        pthread_join(threads[i], NULL);
        total += g_commits[i];
    }
    const double elapsed = Now() - start;
    printf("%ld %.3f %.1f\n", total, elapsed, (double)total / elapsed);
    return 0;
}
