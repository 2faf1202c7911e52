#include "cli/commands.hpp"

namespace mitra::cli {

void AddPkCommands(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace mitra::cli
