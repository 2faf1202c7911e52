#include "storage/sqlite/supervision_repos.hpp"

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/supervision_queries.hpp"

namespace mitra::storage::sqlite {

// The repositories are shared with the other backend (same Statement interface).
#include "storage/shared/supervision_repos.inc"

}  // namespace mitra::storage::sqlite
