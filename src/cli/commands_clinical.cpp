// `mitra import lots FILE`: argument handling only; the work is app::ImportLots.

#include <iostream>
#include <memory>
#include <string>

#include "app/app.hpp"
#include "cli/commands.hpp"

namespace mitra::cli {

void AddClinicalCommands(CLI::App& app, int& exit_code) {
    struct Args {
        std::string file, database, org, product;
    };
    auto args = std::make_shared<Args>();
    auto* lots = ImportCommand(app).add_subcommand(
        "lots", "Import lots with their lab assays from a COA file (CSV or JSON)");
    lots->add_option("FILE", args->file, "COA file (docs/coa-format.md)")->required();
    lots->add_option("--database", args->database, "sqlite:PATH, PATH or postgresql://...")
        ->required();
    lots->add_option("--org", args->org, "organization id or name")->required();
    lots->add_option("--product", args->product,
                     "product id or name for every row; without it each row's `product` "
                     "column names its product");
    lots->footer(
        "Prints rejected rows (row, field, reason) on stderr and one JSON line on "
        "stdout. Exit: 0 every row stored; 1 some row rejected (good rows are stored).");
    lots->callback([args, &exit_code] {
        exit_code = app::ImportLots(args->database, args->org, args->product, args->file, std::cout,
                                    std::cerr);
    });
}

}  // namespace mitra::cli
