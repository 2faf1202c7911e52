// The `mitra` executable: parses the command line (contract in DESIGN.md) and calls src/app.
// Commands that create something print one JSON line on stdout; errors go to stderr with a
// non-zero exit.

#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
    using namespace mitra;
    // A write past the file-size limit (ulimit -f) fails as an I/O error, which the storage
    // layer reports and survives, instead of killing the process.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"mitra: supervised kratom-assisted recovery and tapering"};
    app.require_subcommand(1);
    int exit_code = 0;
    cli::AddFoundationCommands(app, exit_code);
    cli::AddClinicalCommands(app, exit_code);
    cli::AddProductCommands(app, exit_code);
    cli::AddPkCommands(app, exit_code);
    cli::AddTaperCommands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const Error& e) {
        std::cerr << "error: " << e.what();
        if (!e.field().empty()) {
            std::cerr << " (" << e.field() << ")";
        }
        std::cerr << std::endl;
        return e.code() == ErrorCode::kInvalid ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return exit_code;
}
