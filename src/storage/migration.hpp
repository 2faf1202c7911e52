#pragma once
// A versioned schema migration, embedded in the binary from migrations/<backend>/NNNN_*.sql.

#include <string>
#include <vector>

namespace mitra::storage {

struct Migration {
    int version;
    std::string name;
    std::string sql;
};

}  // namespace mitra::storage
