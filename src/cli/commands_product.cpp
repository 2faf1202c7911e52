// `mitra check-product` and `mitra import legal`: argument handling only; the work is
// api::catalog::RunCheckProduct and api::ImportLegalFile.

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "api/catalog/check_product.hpp"
#include "api/catalog/data_dir.hpp"
#include "api/catalog/standards_json.hpp"
#include "api/legal_data.hpp"
#include "cli/commands.hpp"

namespace mitra::cli {

void AddProductCommands(CLI::App& app, int& exit_code) {
    struct Args {
        std::string coa_file;
        double daily_intake_g = 0.0;
        std::vector<std::string> rules;
        bool json = false;
        std::string legal_file;
        std::string data_dir;
        bool replace = false;
    };
    auto args = std::make_shared<Args>();

    auto* check = app.add_subcommand(
        "check-product",
        "Check a certificate of analysis (CSV or JSON) offline and print a report");
    check->add_option("FILE", args->coa_file, "COA file (docs/coa-format.md)")->required();
    auto* intake = check->add_option("--daily-intake-g", args->daily_intake_g,
                                     "the patient's daily intake of the lot, g (metals limits)");
    check->add_option("--rule", args->rules, "jurisdiction rule id, e.g. US-FL-7oh-dry-weight");
    check->add_flag("--json", args->json, "print one JSON document");
    check->footer("Exit: 0 every lot passes; 1 some lot fails; 2 cannot determine; "
                  "3 rows rejected.");
    check->callback([args, intake, &exit_code] {
        api::catalog::CheckProductOptions options;
        if (intake->count() > 0) {
            options.daily_intake_g = args->daily_intake_g;
        }
        options.jurisdiction_rules = args->rules;
        options.json = args->json;
        const auto output = api::catalog::RunCheckProduct(args->coa_file,
                                                          api::catalog::LoadStandards(), options);
        std::cout << output.out << std::flush;
        exit_code = output.exit_code;
    });

    auto* legal = ImportCommand(app).add_subcommand(
        "legal", "Validate a legal-status dataset file and install it for the server");
    legal->add_option("FILE", args->legal_file, "dataset JSON (data/legal/README.md)")
        ->required();
    legal->add_option("--data-dir", args->data_dir,
                      "data folder the server reads (default $MITRA_DATA_DIR or the built-in "
                      "data/); the file goes to DIR/legal/");
    legal->add_flag("--replace", args->replace,
                    "make this file the whole dataset (other files are moved aside)");
    legal->callback([args, &exit_code] {
        const std::filesystem::path dir = args->data_dir.empty()
                                              ? api::catalog::DataDir()
                                              : std::filesystem::path(args->data_dir);
        const api::LegalImportResult result =
            api::ImportLegalFile(args->legal_file, dir, args->replace);
        nlohmann::json set_aside = nlohmann::json::array();
        for (const auto& p : result.set_aside) {
            set_aside.push_back(p.string());
        }
        std::cout << nlohmann::json{{"installed", result.installed.string()},
                                    {"version", result.version},
                                    {"records", result.records},
                                    {"total_records", result.total_records},
                                    {"set_aside", set_aside}}
                         .dump()
                  << std::endl;
        exit_code = 0;
    });
}

}  // namespace mitra::cli
