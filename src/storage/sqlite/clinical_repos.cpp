#include "storage/sqlite/clinical_repos.hpp"

#include "core/error.hpp"
#include "storage/sqlite/clinical_queries.hpp"
#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {

// The repositories are shared with the other backend (same Statement interface).
#include "storage/shared/clinical_repos.inc"

}  // namespace mitra::storage::sqlite
