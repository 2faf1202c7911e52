#pragma once
// Backup and restore of a PostgreSQL database with pg_dump / pg_restore (custom format), taken
// from $MITRA_PG_BIN, else /usr/lib/postgresql/15/bin, else PATH. Only the schema the URL's
// connection works in (current_schema(), "public" unless the URL sets search_path) is copied.

#include <string>

namespace mitra::storage::postgres {

/// pg_dump -Fc of the current schema into `out_path`. Throws UnavailableError when the server
/// or pg_dump fails (with pg_dump's message).
void BackupTo(const std::string& url, const std::string& out_path);

/// pg_restore --clean --if-exists --single-transaction of `in_path` into the database at `url`.
void RestoreFrom(const std::string& url, const std::string& in_path);

}  // namespace mitra::storage::postgres
