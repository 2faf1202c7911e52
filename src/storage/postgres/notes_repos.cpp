#include "storage/postgres/notes_repos.hpp"

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/notes_queries.hpp"

namespace mitra::storage::postgres {

// The repository is shared with the other backend (same Statement interface).
#include "storage/shared/notes_repos.inc"

}  // namespace mitra::storage::postgres
