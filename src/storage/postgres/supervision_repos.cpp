#include "storage/postgres/supervision_repos.hpp"

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/supervision_queries.hpp"

namespace mitra::storage::postgres {

// The repositories are shared with the other backend (same Statement interface).
#include "storage/shared/supervision_repos.inc"

}  // namespace mitra::storage::postgres
