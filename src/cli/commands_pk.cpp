// `mitra simulate`: argument handling only; the work is api::SimulateFromFiles.

#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "api/simulation.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace mitra::cli {

void AddPkCommands(CLI::App& app, int& exit_code) {
    struct Args {
        api::SimulateFilesOptions options;
        double hours = 0.0;
        std::size_t subjects = 0;
        std::string out;
    };
    auto args = std::make_shared<Args>();
    auto* simulate = app.add_subcommand(
        "simulate", "Estimate mitragynine and 7-OH concentrations for a regimen (model estimate)");
    simulate->add_option("--regimen", args->options.regimen_file,
                         "JSON [{time_h, dose_mg}] or CSV with header time_h,dose_mg")
        ->required();
    auto* times = simulate->add_option("--times", args->options.times_file,
                                       "output times: JSON array or one number per line");
    auto* hours = simulate->add_option("--hours", args->hours, "simulate 0..H hours");
    times->excludes(hours);
    simulate->add_option("--step-h", args->options.step_h, "grid step with --hours (default 1)");
    auto* model = simulate->add_option("--model", args->options.model,
                                       "parameter set name in data/pk (default: the default set)");
    auto* params = simulate->add_option("--params", args->options.params_file,
                                        "JSON parameters {ka_per_h, cl_l_per_h, v1_l, ...}");
    model->excludes(params);
    auto* population = simulate->add_option("--population", args->subjects,
                                            "virtual subjects for percentile curves");
    simulate->add_option("--seed", args->options.seed, "population seed (default 1)")
        ->needs(population);
    simulate->add_option("--format", args->options.format, "csv (default) or json")
        ->check(CLI::IsMember({"csv", "json"}));
    simulate->add_option("--out", args->out, "write here instead of stdout");
    simulate->callback([args, hours, population, &exit_code] {
        if (hours->count() > 0) {
            args->options.hours = args->hours;
        }
        if (population->count() > 0) {
            args->options.subjects = args->subjects;
        }
        const int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
        const std::string text = api::SimulateFromFiles(args->options, threads);
        if (args->out.empty()) {
            std::cout << text;
        } else {
            std::ofstream out(args->out, std::ios::binary | std::ios::trunc);
            out << text;
            if (!out.flush()) {
                throw InternalError("cannot write " + args->out);
            }
        }
        exit_code = 0;
    });
}

}  // namespace mitra::cli
