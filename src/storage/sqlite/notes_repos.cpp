#include "storage/sqlite/notes_repos.hpp"

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/notes_queries.hpp"

namespace mitra::storage::sqlite {

// The repository is shared with the other backend (same Statement interface).
#include "storage/shared/notes_repos.inc"

}  // namespace mitra::storage::sqlite
