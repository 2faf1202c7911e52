#pragma once
// SQLite's group commit (storage/shared/write_lane.hpp) on its single writer connection: a batch
// opens with BEGIN IMMEDIATE (the database's write lock) and its COMMIT is one fsync of the WAL
// (synchronous=FULL).

#include <sqlite3.h>

#include "storage/shared/write_lane.hpp"
#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {

struct SqliteLaneTraits {
    static constexpr const char* kBegin = "BEGIN IMMEDIATE";
    static bool InTransaction(Connection& c) { return sqlite3_get_autocommit(c.raw()) == 0; }
    static bool Broken(Connection& /*c*/) { return false; }  // a file does not go away
};

using WriteLane = storage::WriteLane<Connection, SqliteLaneTraits>;

}  // namespace mitra::storage::sqlite
