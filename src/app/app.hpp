#pragma once
// The composition root: builds the object graph (storage, clock, randomness, read-audit
// batcher, API dispatcher, HTTP server) for each command. No globals; each command owns
// what it builds and tears it down in reverse order.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace mitra::app {

struct ServeOptions {
    std::string database;
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    /// Threads for blocking (database) work. Most of their time is spent waiting for a commit
    /// to be fsynced, so there are more of them than cores: concurrent writes then share one
    /// group commit (8 clients on 4 threads grouped 3.4 writes per fsync, on 8 threads 6).
    std::size_t workers = 8;
    std::filesystem::path web_root;  // empty: the built web app of this source tree, if any
    std::string log_level = "info";
    /// Period of the safety-rule scheduler (time-based rules), seconds; 0 = off.
    int alert_interval_s = 15 * 60;
};

/// Parses "HOST:PORT"; throws ValidationError("listen").
void ParseListen(const std::string& listen, std::string& host, std::uint16_t& port);

/// Opens (and migrates) the database, serves until SIGINT/SIGTERM, drains, flushes the audit
/// queue and closes the database. Prints "listening on http://HOST:PORT" on `out` once bound.
int Serve(const ServeOptions& options, std::ostream& out);

/// `mitra alerts evaluate`: evaluates the safety rules for every patient once (for cron);
/// prints {"raised": N, "failed": M}. Returns 0, or 1 when some evaluation failed.
int EvaluateAlerts(const std::string& database, std::ostream& out);

/// Creates or migrates the database; prints {"schema_version": N}.
int Init(const std::string& database, std::ostream& out);

/// Prints {"id": ...}.
int AddOrganization(const std::string& database, const std::string& name, std::ostream& out);

/// Prints {"id": ..., "patient_id": ...}. `org` is an organization id or name.
int AddUser(const std::string& database, const std::string& org, const std::string& role,
            const std::string& email, const std::string& password,
            const std::string& display_name, const std::string& timezone, std::ostream& out);

/// Checks every organization's audit hash chain; prints the verdict. Returns 0 when intact,
/// 1 naming the first bad entry otherwise.
int VerifyAudit(const std::string& database, std::ostream& out, std::ostream& err);

struct DemoOptions {
    int patients = 20;
    int days = 60;
    std::string database = "var/demo.db";
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    bool serve = true;
};

/// Builds the demo clinic in a fresh database file (or an empty PostgreSQL database), prints
/// the sign-ins, then serves it.
int Demo(const DemoOptions& options, std::ostream& out);

/// `mitra import lots FILE`: stores the lots of a COA file (CSV or JSON, docs/coa-format.md)
/// under `product` (id or name) or, when `product` is empty, under the product each row names
/// in its `product` column. Prints the rejected rows (row, field, reason) on `err` and one
/// JSON line {"imported", "rejected", "lots":[{row, code, id}]} on `out`. Returns 0 when every
/// row was stored, 1 when some row was rejected (the good rows are stored all the same).
int ImportLots(const std::string& database, const std::string& org, const std::string& product,
               const std::filesystem::path& file, std::ostream& out, std::ostream& err);

/// Writes a consistent copy of the database.
int Backup(const std::string& database, const std::string& out_path, std::ostream& out);

/// Replaces the database's contents with a backup written by Backup (same backend).
int Restore(const std::string& database, const std::string& in_path, std::ostream& out);

}  // namespace mitra::app
