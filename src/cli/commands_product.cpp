#include "cli/commands.hpp"

namespace mitra::cli {

void AddProductCommands(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace mitra::cli
