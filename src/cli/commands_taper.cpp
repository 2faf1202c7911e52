#include "cli/commands.hpp"

namespace mitra::cli {

void AddTaperCommands(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace mitra::cli
