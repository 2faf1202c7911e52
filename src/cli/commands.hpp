#pragma once
// Each area of the command line registers its subcommands here. A subcommand's callback runs
// the command and stores its exit status in `exit_code`; mitra::Error thrown by a callback is
// reported by main() (stderr, exit 2 for invalid input, 1 otherwise).

#include <CLI/CLI.hpp>

namespace mitra::cli {

void AddFoundationCommands(CLI::App& app, int& exit_code);  // init, org, user, serve, demo, audit, backup
void AddClinicalCommands(CLI::App& app, int& exit_code);    // import lots
void AddProductCommands(CLI::App& app, int& exit_code);     // check-product, import legal
void AddPkCommands(CLI::App& app, int& exit_code);          // simulate
void AddTaperCommands(CLI::App& app, int& exit_code);       // taper

/// The `import` subcommand, shared by areas that import files.
CLI::App& ImportCommand(CLI::App& app);

}  // namespace mitra::cli
