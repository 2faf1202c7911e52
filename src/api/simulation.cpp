#include "api/simulation.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <cmath>
#include <sstream>

#include "api/json_input.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

using Json = nlohmann::json;

constexpr double kMsPerHour = 3600.0 * 1000.0;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr int kDaysPerWeek = 7;
constexpr double kHoursPerDay = 24.0;

/// Rethrows a core ValidationError with the request path in front of its field.
[[noreturn]] void Reprefix(const ValidationError& error, const std::string& prefix,
                           const std::string& strip = {}) {
    std::string field = error.field();
    if (!strip.empty() && field.rfind(strip, 0) == 0) {
        field = field.substr(strip.size());
    }
    const std::string full = prefix.empty() ? field : prefix + "." + field;
    std::string message = error.what();
    if (message.rfind("pk: ", 0) == 0) {
        message = message.substr(4);
    }
    if (!field.empty() && full != field) {
        // "cl_l_per_h must be ..." -> "model.cl_l_per_h must be ..."
        if (const auto pos = message.find(field); pos != std::string::npos) {
            message.replace(pos, field.size(), full);
        }
    }
    throw ValidationError(full, message);
}

std::string FormatNumber(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

/// A JSON integer in [lo, hi] (a number with an integral value is accepted).
std::uint64_t ReadCount(const Json& value, const std::string& field, std::uint64_t lo,
                        std::uint64_t hi) {
    const std::string range = "from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (value.is_number_unsigned()) {
        const auto n = value.get<std::uint64_t>();
        if (n >= lo && n <= hi) {
            return n;
        }
    } else if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(lo) &&
            d <= static_cast<double>(hi)) {
            return static_cast<std::uint64_t>(d);
        }
    } else if (!value.is_number()) {
        throw ValidationError(field, field + " must be an integer " + range);
    }
    throw ValidationError(field, field + " must be an integer " + range);
}

void ReadCv(ObjectReader& in, const char* name, double& target) {
    if (auto cv = in.OptionalNumber(name)) {
        target = *cv;
    }
}

Json ParametersJson(const core::pk::ParameterSet& p) {
    Json out = {{"ka_per_h", p.ka_per_h},
                {"cl_l_per_h", p.cl_l_per_h},
                {"v1_l", p.v1_l},
                {"bioavailability", p.bioavailability},
                {"metabolite",
                 {{"fraction_formed", p.metabolite.fraction_formed},
                  {"cl_l_per_h", p.metabolite.cl_l_per_h},
                  {"v_l", p.metabolite.v_l}}}};
    if (p.q_l_per_h) {
        out["q_l_per_h"] = *p.q_l_per_h;
    }
    if (p.v2_l) {
        out["v2_l"] = *p.v2_l;
    }
    out["molar_masses_g_per_mol"] = {{"mitragynine", p.parent_molar_mass_g_per_mol},
                                     {"hydroxymitragynine", p.metabolite_molar_mass_g_per_mol}};
    return out;
}

Json CurvesJson(const core::pk::PercentileCurves& curves) {
    return {{"p5", curves.p5}, {"p50", curves.p50}, {"p95", curves.p95}};
}

Json DistributionJson(const core::pk::Distribution& d) {
    return {{"p5", d.p5}, {"p50", d.p50}, {"p95", d.p95}, {"mean", d.mean}};
}

Json SummaryJson(const core::pk::AnalyteDistributions& d) {
    return {{"cmax_ng_ml", DistributionJson(d.cmax_ng_ml)},
            {"auc_ng_h_per_ml", DistributionJson(d.auc_ng_h_per_ml)},
            {"last_ng_ml", DistributionJson(d.last_ng_ml)}};
}

Json VariabilityJson(const core::pk::Variability& v) {
    return {{"ka_per_h", v.ka_per_h_cv_percent},
            {"cl_l_per_h", v.cl_l_per_h_cv_percent},
            {"v1_l", v.v1_l_cv_percent},
            {"q_l_per_h", v.q_l_per_h_cv_percent},
            {"v2_l", v.v2_l_cv_percent},
            {"metabolite",
             {{"cl_l_per_h", v.metabolite_cl_l_per_h_cv_percent},
              {"v_l", v.metabolite_v_l_cv_percent}}}};
}

std::string Trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

bool LooksLikeJson(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string::npos && (text[first] == '[' || text[first] == '{');
}

Json ParseJsonText(const std::string& text, const char* what) {
    try {
        return Json::parse(text);
    } catch (const Json::exception& e) {
        // parse_error, and out_of_range for numbers beyond double (1e999): not finite.
        throw ValidationError(what, std::string(what) + " file is not valid JSON: " + e.what());
    }
}

double ParseCsvNumber(const std::string& cell, const std::string& where) {
    const std::string text = Trim(cell);
    double value = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size()) {
        throw ValidationError(where, where + " is not a number: '" + text.substr(0, 40) + "'");
    }
    return value;
}

std::vector<std::string> SplitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace

const char* const kModelEstimateNote =
    "Model estimate, not a measurement: concentrations are computed from the parameter set named "
    "in parameter_set (population medians and derivations, with their citations), not measured "
    "in this person. Mitragynine's half-life is long and varies widely between people, and it "
    "has been reported to lengthen with repeated dosing, which one linear parameter set cannot "
    "show; real levels can differ several-fold. Do not use for dosing decisions on its own.";

ResolvedModel ResolveModel(const Json* model, const std::string& field) {
    ResolvedModel resolved;
    if (model == nullptr || model->is_null()) {
        resolved.record = catalog::LoadDefaultPkParameterSet();
        return resolved;
    }
    if (model->is_string()) {
        const auto& name = model->get_ref<const std::string&>();
        if (name.size() > kMaxShortString) {
            throw ValidationError(field, field + " is longer than " +
                                             std::to_string(kMaxShortString) + " bytes");
        }
        resolved.record = catalog::LoadPkParameterSet(name);
        return resolved;
    }
    if (!model->is_object()) {
        throw ValidationError(field.empty() ? "body" : field,
                              (field.empty() ? std::string("parameters") : field) +
                                  " must be a parameter set name or an object of parameters");
    }
    // Molar masses (and nothing else) come from the default set's data.
    const catalog::PkParameterSetRecord base = catalog::LoadDefaultPkParameterSet();
    core::pk::ParameterSet p;
    p.name = "request";
    p.version = "";
    p.parent_molar_mass_g_per_mol = base.parameters.parent_molar_mass_g_per_mol;
    p.metabolite_molar_mass_g_per_mol = base.parameters.metabolite_molar_mass_g_per_mol;
    ObjectReader in(*model, field);
    p.ka_per_h = in.RequireNumber("ka_per_h");
    p.cl_l_per_h = in.RequireNumber("cl_l_per_h");
    p.v1_l = in.RequireNumber("v1_l");
    if (auto q = in.OptionalNumber("q_l_per_h")) {
        p.q_l_per_h = *q;
    }
    if (auto v2 = in.OptionalNumber("v2_l")) {
        p.v2_l = *v2;
    }
    p.bioavailability = in.RequireNumber("bioavailability");
    const Json& metabolite = in.Require("metabolite");
    ObjectReader met(metabolite, in.FieldName("metabolite"));
    p.metabolite.fraction_formed = met.RequireNumber("fraction_formed");
    p.metabolite.cl_l_per_h = met.RequireNumber("cl_l_per_h");
    p.metabolite.v_l = met.RequireNumber("v_l");
    met.Finish();
    in.Finish();
    try {
        p.Validate();
    } catch (const ValidationError& e) {
        Reprefix(e, field);
    }
    resolved.record.parameters = p;
    resolved.record.title = "Parameters supplied by the request";
    resolved.record.summary =
        "Caller-supplied values; molar masses from the data set " + base.parameters.name + ".";
    resolved.from_request = true;
    return resolved;
}

std::vector<core::pk::Dose> ReadRegimen(const Json& regimen) {
    if (!regimen.is_array()) {
        throw ValidationError("regimen", "regimen must be an array of {time_h, dose_mg}");
    }
    if (regimen.size() > core::pk::kMaxDoses) {
        throw ValidationError("regimen", "regimen holds " + std::to_string(regimen.size()) +
                                             " doses; at most " +
                                             std::to_string(core::pk::kMaxDoses) + " allowed");
    }
    std::vector<core::pk::Dose> doses;
    doses.reserve(regimen.size());
    for (std::size_t i = 0; i < regimen.size(); ++i) {
        ObjectReader in(regimen[i], "regimen[" + std::to_string(i) + "]");
        core::pk::Dose dose;
        dose.time_h = in.RequireNumber("time_h");
        dose.dose_mg = in.RequireNumber("dose_mg");
        in.Finish();
        doses.push_back(dose);
    }
    core::pk::ValidateRegimen(doses);
    return doses;
}

std::vector<double> ReadTimes(const Json& times_h, std::size_t max_points) {
    if (!times_h.is_array()) {
        throw ValidationError("times_h", "times_h must be an array of hours");
    }
    if (times_h.size() > max_points) {
        throw ValidationError("times_h", "times_h holds " + std::to_string(times_h.size()) +
                                             " points; at most " + std::to_string(max_points) +
                                             " allowed");
    }
    std::vector<double> times;
    times.reserve(times_h.size());
    for (std::size_t i = 0; i < times_h.size(); ++i) {
        const std::string field = "times_h[" + std::to_string(i) + "]";
        if (!times_h[i].is_number()) {
            throw ValidationError(field, field + " must be a number");
        }
        times.push_back(times_h[i].get<double>());
    }
    core::pk::ValidateTimes(times, max_points);
    return times;
}

PopulationRequest ReadPopulation(const Json& population) {
    PopulationRequest request;
    ObjectReader in(population, "population");
    request.subjects = ReadCount(in.Require("subjects"), "population.subjects", 1,
                                 kMaxSimulationSubjects);
    // Seeds are JSON integers up to 2^53 so every client can send them exactly.
    request.seed = ReadCount(in.Require("seed"), "population.seed", 0, (1ULL << 53));
    request.variability = catalog::LoadPkVariability();
    if (const Json* cv = in.Optional("cv_percent")) {
        core::pk::Variability& v = request.variability;
        ObjectReader c(*cv, "population.cv_percent");
        ReadCv(c, "ka_per_h", v.ka_per_h_cv_percent);
        ReadCv(c, "cl_l_per_h", v.cl_l_per_h_cv_percent);
        ReadCv(c, "v1_l", v.v1_l_cv_percent);
        ReadCv(c, "q_l_per_h", v.q_l_per_h_cv_percent);
        ReadCv(c, "v2_l", v.v2_l_cv_percent);
        if (const Json* met = c.Optional("metabolite")) {
            ObjectReader m(*met, "population.cv_percent.metabolite");
            ReadCv(m, "cl_l_per_h", v.metabolite_cl_l_per_h_cv_percent);
            ReadCv(m, "v_l", v.metabolite_v_l_cv_percent);
            m.Finish();
        }
        c.Finish();
    }
    in.Finish();
    try {
        request.variability.Validate();
    } catch (const ValidationError& e) {
        Reprefix(e, "population.cv_percent", "variability.");
    }
    return request;
}

SimulationRequest ParseSimulationRequest(const Json& body) {
    ObjectReader in(body);
    SimulationRequest request;
    const Json* model = in.Optional("model");
    const Json& regimen = in.Require("regimen");
    const Json& times = in.Require("times_h");
    const Json* population = in.Optional("population");
    in.Finish();
    request.model = ResolveModel(model, "model");
    request.regimen = ReadRegimen(regimen);
    request.population = population != nullptr
                             ? std::optional<PopulationRequest>(ReadPopulation(*population))
                             : std::nullopt;
    request.times_h = ReadTimes(times, request.population ? core::pk::kMaxPopulationPoints
                                                          : core::pk::kMaxOutputPoints);
    if (request.population) {
        const double work = static_cast<double>(request.population->subjects) *
                            static_cast<double>(request.regimen.size() + request.times_h.size());
        if (work > core::pk::kMaxPopulationWork) {
            throw ValidationError("population.subjects",
                                  "population.subjects x (doses + points) must be at most " +
                                      FormatNumber(core::pk::kMaxPopulationWork));
        }
    }
    return request;
}

SimulationOutput RunSimulation(const SimulationRequest& request, int threads) {
    SimulationOutput out;
    out.curves = core::pk::Simulate(request.model.record.parameters, request.regimen,
                                    request.times_h);
    if (request.population) {
        core::pk::PopulationOptions options;
        options.subjects = request.population->subjects;
        options.seed = request.population->seed;
        options.threads = std::clamp(threads, 1, core::pk::kMaxThreads);
        try {
            out.population = core::pk::SimulatePopulation(
                request.model.record.parameters, request.population->variability,
                request.regimen, request.times_h, options);
        } catch (const ValidationError& e) {
            if (e.field().rfind("variability.", 0) == 0) {
                Reprefix(e, "population.cv_percent", "variability.");
            }
            throw;
        }
        // Per-subject rows are not part of the answer; drop them early.
        out.population->subjects.clear();
        out.population->subjects.shrink_to_fit();
        out.population_request = request.population;
    }
    return out;
}

Json ParameterSetToJson(const ResolvedModel& model) {
    const catalog::PkParameterSetRecord& r = model.record;
    Json sources = Json::array();
    for (const auto& s : r.sources) {
        sources.push_back({{"parameter", s.parameter}, {"evidence", s.evidence}, {"text", s.text}});
    }
    Json out = {{"name", r.parameters.name},
                {"version", r.parameters.version},
                {"title", r.title},
                {"summary", r.summary},
                {"from_request", model.from_request},
                {"two_compartment", r.parameters.TwoCompartment()},
                {"parameters", ParametersJson(r.parameters)},
                {"citations", r.citations},
                {"sources", sources}};
    return out;
}

Json SimulationToJson(const SimulationRequest& request, const SimulationOutput& out) {
    Json body = {{"times_h", out.curves.times_h},
                 {"mitragynine_ng_ml", out.curves.mitragynine_ng_ml},
                 {"hydroxymitragynine_ng_ml", out.curves.hydroxymitragynine_ng_ml},
                 {"parameter_set", ParameterSetToJson(request.model)},
                 {"model_estimate_note", kModelEstimateNote},
                 {"doses", request.regimen.size()}};
    if (out.population && out.population_request) {
        const auto& pop = *out.population;
        body["population"] = {
            {"subjects", out.population_request->subjects},
            {"seed", out.population_request->seed},
            {"cv_percent", VariabilityJson(out.population_request->variability)},
            {"mitragynine_ng_ml", CurvesJson(pop.mitragynine)},
            {"hydroxymitragynine_ng_ml", CurvesJson(pop.hydroxymitragynine)},
            {"summaries",
             {{"mitragynine", SummaryJson(pop.mitragynine_summary)},
              {"hydroxymitragynine", SummaryJson(pop.hydroxymitragynine_summary)}}},
            {"percentile_max_relative_bin_width", pop.percentile_max_relative_bin_width}};
    }
    return body;
}

std::string SimulationToCsv(const SimulationOutput& out) {
    std::string csv = "time_h,mitragynine_ng_ml,hydroxymitragynine_ng_ml";
    const bool pop = out.population.has_value() && !out.population->mitragynine.p50.empty();
    if (pop) {
        csv += ",mitragynine_p5_ng_ml,mitragynine_p50_ng_ml,mitragynine_p95_ng_ml"
               ",hydroxymitragynine_p5_ng_ml,hydroxymitragynine_p50_ng_ml,"
               "hydroxymitragynine_p95_ng_ml";
    }
    csv += '\n';
    const auto& c = out.curves;
    for (std::size_t i = 0; i < c.times_h.size(); ++i) {
        csv += FormatNumber(c.times_h[i]) + ',' + FormatNumber(c.mitragynine_ng_ml[i]) + ',' +
               FormatNumber(c.hydroxymitragynine_ng_ml[i]);
        if (pop) {
            const auto& m = out.population->mitragynine;
            const auto& h = out.population->hydroxymitragynine;
            for (const double v : {m.p5[i], m.p50[i], m.p95[i], h.p5[i], h.p50[i], h.p95[i]}) {
                csv += ',' + FormatNumber(v);
            }
        }
        csv += '\n';
    }
    return csv;
}

std::vector<core::pk::Dose> ParseRegimenText(const std::string& text) {
    if (LooksLikeJson(text)) {
        const Json doc = ParseJsonText(text, "regimen");
        if (doc.is_object()) {
            ObjectReader in(doc);
            const Json& regimen = in.Require("regimen");
            in.Finish();
            return ReadRegimen(regimen);
        }
        return ReadRegimen(doc);
    }
    std::vector<core::pk::Dose> doses;
    bool header_seen = false;
    const auto lines = SplitLines(text);
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string line = Trim(lines[n]);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const std::string where = "regimen line " + std::to_string(n + 1);
        const auto comma = line.find(',');
        if (comma == std::string::npos || line.find(',', comma + 1) != std::string::npos) {
            throw ValidationError("regimen", where + ": expected two columns time_h,dose_mg");
        }
        const std::string first = Trim(line.substr(0, comma));
        const std::string second = Trim(line.substr(comma + 1));
        if (!header_seen) {
            if (first != "time_h" || second != "dose_mg") {
                throw ValidationError("regimen",
                                      where + ": the first line must be the header time_h,dose_mg");
            }
            header_seen = true;
            continue;
        }
        if (doses.size() >= core::pk::kMaxDoses) {
            throw ValidationError("regimen", "at most " + std::to_string(core::pk::kMaxDoses) +
                                                 " doses allowed");
        }
        doses.push_back({ParseCsvNumber(first, where + " time_h"),
                         ParseCsvNumber(second, where + " dose_mg")});
    }
    if (!header_seen) {
        throw ValidationError("regimen", "the regimen file is empty (header time_h,dose_mg)");
    }
    core::pk::ValidateRegimen(doses);
    return doses;
}

std::vector<double> ParseTimesText(const std::string& text) {
    if (LooksLikeJson(text)) {
        const Json doc = ParseJsonText(text, "times_h");
        if (doc.is_object()) {
            ObjectReader in(doc);
            const Json& times = in.Require("times_h");
            in.Finish();
            return ReadTimes(times, core::pk::kMaxOutputPoints);
        }
        return ReadTimes(doc, core::pk::kMaxOutputPoints);
    }
    std::vector<double> times;
    const auto lines = SplitLines(text);
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string line = Trim(lines[n]);
        if (line.empty() || line[0] == '#' || (times.empty() && line == "time_h")) {
            continue;
        }
        if (times.size() >= core::pk::kMaxOutputPoints) {
            throw ValidationError("times_h", "at most " +
                                                 std::to_string(core::pk::kMaxOutputPoints) +
                                                 " output times allowed");
        }
        times.push_back(ParseCsvNumber(line, "times line " + std::to_string(n + 1)));
    }
    core::pk::ValidateTimes(times);
    return times;
}

std::vector<double> UniformTimes(double hours, double step_h) {
    if (!std::isfinite(hours) || hours <= 0.0) {
        throw ValidationError("hours", "hours must be a positive finite number");
    }
    if (!std::isfinite(step_h) || step_h <= 0.0) {
        throw ValidationError("step_h", "step_h must be a positive finite number");
    }
    const double count = std::floor(hours / step_h * (1.0 + 1e-12)) + 1.0;
    if (count > static_cast<double>(core::pk::kMaxOutputPoints)) {
        throw ValidationError("step_h", "hours / step_h gives more than " +
                                            std::to_string(core::pk::kMaxOutputPoints) +
                                            " output points");
    }
    std::vector<double> times(static_cast<std::size_t>(count));
    for (std::size_t k = 0; k < times.size(); ++k) {
        times[k] = static_cast<double>(k) * step_h;
    }
    return times;
}

namespace {

std::string ReadTextFile(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InternalError(std::string("cannot read the ") + what + " file " + path);
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::string SimulateFromFiles(const SimulateFilesOptions& options, int threads) {
    if (options.format != "csv" && options.format != "json") {
        throw ValidationError("format", "format must be csv or json");
    }
    if (!options.model.empty() && !options.params_file.empty()) {
        throw ValidationError("model", "give --model or --params, not both");
    }
    if (!options.times_file.empty() && options.hours) {
        throw ValidationError("times", "give --times or --hours, not both");
    }
    if (options.times_file.empty() && !options.hours) {
        throw ValidationError("times", "give --times FILE or --hours H [--step-h S]");
    }
    SimulationRequest request;
    if (!options.params_file.empty()) {
        const std::string text = ReadTextFile(options.params_file, "parameters");
        const Json params = ParseJsonText(text, "params");
        request.model = ResolveModel(&params, "");
    } else if (!options.model.empty()) {
        const Json name = options.model;
        request.model = ResolveModel(&name, "model");
    } else {
        request.model = ResolveModel(nullptr, "model");
    }
    request.regimen = ParseRegimenText(ReadTextFile(options.regimen_file, "regimen"));
    request.times_h = options.times_file.empty()
                          ? UniformTimes(*options.hours, options.step_h)
                          : ParseTimesText(ReadTextFile(options.times_file, "times"));
    if (options.subjects) {
        Json population = {{"subjects", *options.subjects}, {"seed", options.seed}};
        request.population = ReadPopulation(population);
        core::pk::ValidateTimes(request.times_h, core::pk::kMaxPopulationPoints);
    }
    const SimulationOutput out = RunSimulation(request, threads);
    if (options.format == "json") {
        return SimulationToJson(request, out).dump() + "\n";
    }
    return SimulationToCsv(out);
}

// ---- Exposure -----------------------------------------------------------------------------

std::int64_t ExposureLookbackMs(const core::pk::ParameterSet& parameters) {
    // Interval only matters for the accumulation ratio, not for the half-life used here.
    const core::pk::SteadyState ss = core::pk::ComputeSteadyState(parameters, kHoursPerDay);
    const double half_life_h = std::max(ss.mitragynine.terminal_half_life_h,
                                        ss.hydroxymitragynine.terminal_half_life_h);
    // 10 half-lives: 2^-10 < 0.1 % of a dose's exposure remains.
    constexpr double kLookbackHalfLives = 10.0;
    return static_cast<std::int64_t>(std::ceil(kLookbackHalfLives * half_life_h * kMsPerHour));
}

namespace {

Json DayAnalyteJson(const core::pk::DaySummary& d) {
    return {{"auc_ng_h_per_ml", d.auc_ng_h_per_ml},
            {"cmax_ng_ml", d.cmax_ng_ml},
            {"trough_ng_ml", d.trough_ng_ml}};
}

Json ChangeJson(const core::pk::ExposureChange& c) {
    Json out = {{"reference_auc_ng_h_per_ml", c.reference_auc_ng_h_per_ml},
                {"comparison_auc_ng_h_per_ml", c.comparison_auc_ng_h_per_ml},
                {"ratio", nullptr}};
    if (c.reference_auc_ng_h_per_ml > 0.0) {
        out["ratio"] = c.ratio;
    }
    return out;
}

Json SteadyJson(const core::pk::SteadyStateFigures& f) {
    return {{"terminal_half_life_h", f.terminal_half_life_h},
            {"accumulation_ratio", f.accumulation_ratio},
            {"time_to_fraction_h", f.time_to_fraction_exact_h},
            {"time_to_fraction_terminal_approximation_h", f.time_to_fraction_terminal_h}};
}

}  // namespace

Json ComputeExposureJson(const std::vector<core::Dose>& doses, const ExposureQuery& query,
                         const ResolvedModel& model) {
    const core::pk::ParameterSet& params = model.record.parameters;
    if (query.to_ms <= query.from_ms) {
        throw ValidationError("to", "to must be after from");
    }
    if (query.to_ms - query.from_ms > kMaxExposureRangeDays * kMsPerDay) {
        throw ValidationError("to", "the range from..to must be at most " +
                                        std::to_string(kMaxExposureRangeDays) + " days");
    }
    if (!std::isfinite(query.step_h) || query.step_h <= 0.0 || query.step_h > kHoursPerDay) {
        throw ValidationError("step_h", "step_h must be a number of hours in (0, 24]");
    }
    const double range_h = static_cast<double>(query.to_ms - query.from_ms) / kMsPerHour;
    const double points = std::floor(range_h / query.step_h * (1.0 + 1e-12)) + 1.0;
    if (points > static_cast<double>(kMaxExposurePoints)) {
        throw ValidationError("step_h", "the range and step_h give more than " +
                                            std::to_string(kMaxExposurePoints) +
                                            " points; use a larger step_h or a shorter range");
    }

    const std::int64_t origin_ms = query.from_ms - ExposureLookbackMs(params);
    const double lookback_h = static_cast<double>(query.from_ms - origin_ms) / kMsPerHour;

    std::vector<const core::Dose*> sorted;
    sorted.reserve(doses.size());
    for (const core::Dose& d : doses) {
        sorted.push_back(&d);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const core::Dose* a, const core::Dose* b) {
        return a->taken_at_ms < b->taken_at_ms;
    });
    std::vector<core::pk::Dose> regimen;
    std::size_t skipped_unknown = 0;
    std::size_t skipped_zero = 0;
    std::size_t before_from = 0;
    for (const core::Dose* d : sorted) {
        if (d->deleted_at_ms || d->taken_at_ms < origin_ms || d->taken_at_ms > query.to_ms) {
            continue;
        }
        if (!d->mitragynine_mg) {
            ++skipped_unknown;
            continue;
        }
        if (!(*d->mitragynine_mg > 0.0) || !std::isfinite(*d->mitragynine_mg)) {
            ++skipped_zero;
            continue;
        }
        if (d->taken_at_ms < query.from_ms) {
            ++before_from;
        }
        regimen.push_back(
            {static_cast<double>(d->taken_at_ms - origin_ms) / kMsPerHour, *d->mitragynine_mg});
    }
    if (regimen.size() > core::pk::kMaxDoses) {
        throw ValidationError("from", "more than " + std::to_string(core::pk::kMaxDoses) +
                                          " doses in the range; narrow from..to");
    }

    std::vector<double> grid(static_cast<std::size_t>(points));
    std::vector<double> grid_from(grid.size());
    for (std::size_t k = 0; k < grid.size(); ++k) {
        grid_from[k] = static_cast<double>(k) * query.step_h;
        grid[k] = lookback_h + grid_from[k];
    }
    const core::pk::SimulationResult curve = core::pk::Simulate(params, regimen, grid);

    Json out = {{"from", core::FormatRfc3339(query.from_ms)},
                {"to", core::FormatRfc3339(query.to_ms)},
                {"step_h", query.step_h},
                {"model_estimate_note", kModelEstimateNote},
                {"parameter_set", ParameterSetToJson(model)},
                {"doses_used", regimen.size()},
                {"doses_before_from_used", before_from},
                {"doses_skipped_unknown_mitragynine", skipped_unknown},
                {"doses_skipped_zero_mitragynine", skipped_zero},
                {"lookback_from", core::FormatRfc3339(origin_ms)},
                {"times_h", grid_from},
                {"mitragynine_ng_ml", curve.mitragynine_ng_ml},
                {"hydroxymitragynine_ng_ml", curve.hydroxymitragynine_ng_ml}};

    // Per-day summaries of each full 24-h day from `from`.
    const int full_days = static_cast<int>((query.to_ms - query.from_ms) / kMsPerDay);
    Json days = Json::array();
    Json weeks = Json::array();
    Json reference = nullptr;
    if (full_days >= 1) {
        core::pk::DailyOptions options;
        options.origin_h = lookback_h;
        options.days = full_days;
        options.step_h = query.step_h;
        const core::pk::DailyExposure daily = core::pk::SummariseDays(params, regimen, options);
        for (int d = 0; d < full_days; ++d) {
            const auto idx = static_cast<std::size_t>(d);
            days.push_back({{"day", d},
                            {"start", core::FormatRfc3339(query.from_ms + d * kMsPerDay)},
                            {"mitragynine", DayAnalyteJson(daily.mitragynine[idx])},
                            {"hydroxymitragynine", DayAnalyteJson(daily.hydroxymitragynine[idx])}});
        }
        const int full_weeks = full_days / kDaysPerWeek;
        if (full_weeks >= 1) {
            const core::pk::WeeklyExposureChange same = core::pk::CompareWeeks(daily, 0, 0);
            reference = {{"first_day", 0},
                         {"start", core::FormatRfc3339(query.from_ms)},
                         {"mitragynine_auc_ng_h_per_ml",
                          same.mitragynine.reference_auc_ng_h_per_ml},
                         {"hydroxymitragynine_auc_ng_h_per_ml",
                          same.hydroxymitragynine.reference_auc_ng_h_per_ml}};
        }
        for (int w = 1; w < full_weeks; ++w) {
            const int first_day = w * kDaysPerWeek;
            const core::pk::WeeklyExposureChange change =
                core::pk::CompareWeeks(daily, 0, first_day);
            weeks.push_back({{"week", w},
                             {"first_day", first_day},
                             {"start", core::FormatRfc3339(query.from_ms + first_day * kMsPerDay)},
                             {"mitragynine", ChangeJson(change.mitragynine)},
                             {"hydroxymitragynine", ChangeJson(change.hydroxymitragynine)}});
        }
    }
    out["days"] = days;
    out["reference_week"] = reference;
    out["weeks_vs_reference"] = weeks;

    // Steady state at the patient's mean dosing interval.
    double interval_h = kHoursPerDay;
    std::string basis = "fewer than two doses: once daily assumed";
    if (regimen.size() >= 2) {
        const double span_h = regimen.back().time_h - regimen.front().time_h;
        const double mean_h = span_h / static_cast<double>(regimen.size() - 1);
        constexpr double kMaxIntervalH = 8760.0;  // ComputeSteadyState's bound (one year)
        if (mean_h > 0.0 && mean_h <= kMaxIntervalH) {
            interval_h = mean_h;
            basis = "mean interval between the doses used";
        }
    }
    const core::pk::SteadyState ss = core::pk::ComputeSteadyState(params, interval_h);
    out["steady_state"] = {{"interval_h", ss.interval_h},
                           {"interval_basis", basis},
                           {"fraction", ss.fraction},
                           {"mitragynine", SteadyJson(ss.mitragynine)},
                           {"hydroxymitragynine", SteadyJson(ss.hydroxymitragynine)}};
    return out;
}

}  // namespace mitra::api
