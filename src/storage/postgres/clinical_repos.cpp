#include "storage/postgres/clinical_repos.hpp"

#include "core/error.hpp"
#include "storage/postgres/clinical_queries.hpp"
#include "storage/postgres/connection.hpp"

namespace mitra::storage::postgres {

// The repositories are shared with the other backend (same Statement interface).
#include "storage/shared/clinical_repos.inc"

}  // namespace mitra::storage::postgres
