// `mitra taper` (a taper schedule from the command line, CSV out) and `mitra alerts evaluate`
// (the safety rules for every patient, for cron). Argument handling only; the work is
// core::taper::Plan and app::EvaluateAlerts.

#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "api/catalog/pk_json.hpp"
#include "app/app.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/taper/taper.hpp"
#include "core/time.hpp"

namespace mitra::cli {
namespace {

/// A CSV field: quoted when it holds a comma, quote or line break.
std::string CsvField(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

}  // namespace

void AddTaperCommands(CLI::App& app, int& exit_code) {
    struct Args {
        std::string method;
        double start_mg = 0.0;
        double step_percent = 0.0;
        int interval_days = 0;
        double min_step_mg = 0.0;
        double end_mg = 0.0;
        std::string start_date;
        std::string model;
        int doses_per_day = 1;
        std::string out;
        std::string database;
    };
    auto args = std::make_shared<Args>();
    auto* taper = app.add_subcommand(
        "taper", "Plan a taper schedule (CSV: date,target_mitragynine_mg,step,note); every "
                 "schedule needs a clinician's review");
    taper->add_option("--method", args->method, "linear | proportional | exposure")
        ->required()
        ->check(CLI::IsMember({"linear", "proportional", "exposure"}));
    taper->add_option("--start-mg", args->start_mg, "starting mg mitragynine per day")
        ->required();
    taper->add_option("--step-percent", args->step_percent, "step size, percent")->required();
    taper->add_option("--interval-days", args->interval_days, "days between steps")->required();
    taper->add_option("--min-step-mg", args->min_step_mg, "smallest step, mg (default 0)");
    taper->add_option("--end-mg", args->end_mg, "stop below this many mg/day (default 0)");
    taper->add_option("--start-date", args->start_date, "YYYY-MM-DD (default today, UTC)");
    taper->add_option("--model", args->model,
                      "exposure method: PK parameter set in data/pk (default: the default set)");
    taper->add_option("--doses-per-day", args->doses_per_day, "exposure method (default 1)");
    taper->add_option("--out", args->out, "write here instead of stdout");
    taper->callback([args, &exit_code] {
        core::taper::TaperRequest request;
        request.method = *core::taper::ParseMethod(args->method);
        request.start_daily_mitragynine_mg = args->start_mg;
        request.step_percent = args->step_percent;
        request.interval_days = args->interval_days;
        request.min_step_mg = args->min_step_mg;
        request.end_point_mg = args->end_mg;
        request.doses_per_day = args->doses_per_day;
        if (args->start_date.empty()) {
            request.start_date = core::LocalDay(core::SystemClock().NowMs(), "UTC");
        } else {
            const auto date = core::ParseDate(args->start_date);
            if (!date) {
                throw ValidationError("start-date", "start-date must be YYYY-MM-DD");
            }
            request.start_date = *date;
        }
        if (request.method == core::taper::Method::kExposureGuided) {
            request.pk_parameters = args->model.empty()
                                        ? api::catalog::LoadDefaultPkParameterSet().parameters
                                        : api::catalog::LoadPkParameterSet(args->model).parameters;
        }
        const core::taper::TaperPlan plan = core::taper::Plan(request);
        std::ostringstream csv;
        csv << "date,target_mitragynine_mg,step,note\n";
        for (const auto& e : plan.schedule) {
            std::ostringstream mg;
            mg << std::setprecision(10) << e.target_mitragynine_mg;
            csv << core::FormatDate(e.date) << ',' << mg.str() << ',' << e.step_index << ','
                << CsvField(e.note) << '\n';
        }
        if (args->out.empty()) {
            std::cout << csv.str();
        } else {
            std::ofstream out(args->out, std::ios::binary | std::ios::trunc);
            out << csv.str();
            if (!out.flush()) {
                throw InternalError("cannot write " + args->out);
            }
        }
        exit_code = 0;
    });

    auto* alerts = app.add_subcommand("alerts", "Safety alerts");
    alerts->require_subcommand(1);
    auto* evaluate = alerts->add_subcommand(
        "evaluate", "Evaluate the safety rules for every patient once (time-based rules; cron)");
    evaluate->add_option("--database", args->database, "sqlite:PATH, PATH or postgresql://...")
        ->required();
    evaluate->callback([args, &exit_code] {
        exit_code = app::EvaluateAlerts(args->database, std::cout);
    });
}

}  // namespace mitra::cli
