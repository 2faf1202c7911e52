#pragma once
// Restore of a SQLite database from a backup file written by SqliteStorage::BackupTo.

#include <string>

namespace mitra::storage::sqlite {

/// Copies the backup at `in_path` over the database at `path` with the online backup API (the
/// backup file is opened read-only and left unchanged).
void RestoreFrom(const std::string& path, const std::string& in_path);

}  // namespace mitra::storage::sqlite
