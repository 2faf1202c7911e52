#include "cli/commands.hpp"

namespace mitra::cli {

void AddClinicalCommands(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace mitra::cli
