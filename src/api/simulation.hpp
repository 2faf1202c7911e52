#pragma once
// Simulation requests shared by `POST /api/v1/simulations` and `mitra simulate`: strict reading
// of the request JSON (or the CLI's files) into core::pk inputs, running the engine, and writing
// the answer as JSON or CSV. Also the patient exposure estimate computed from a dose journal
// (`GET /api/v1/patients/{pid}/exposure`).
//
// Field names in ValidationErrors are request paths: `model.cl_l_per_h`,
// `model.metabolite.v_l`, `regimen[3].time_h`, `times_h[2]`, `population.subjects`,
// `population.cv_percent.v1_l`. Every input is validated before anything is computed
// (core::pk validates again). Numbers of the model come from data/pk/*.json or the request.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/catalog/pk_json.hpp"
#include "core/clinical.hpp"
#include "core/pk/parameters.hpp"
#include "core/pk/population.hpp"
#include "core/pk/simulate.hpp"

namespace mitra::api {

/// Most subjects a population request may ask for (core::pk::kMaxSubjects); the work bound
/// subjects x (doses + points) <= core::pk::kMaxPopulationWork applies too.
inline constexpr std::size_t kMaxSimulationSubjects = core::pk::kMaxSubjects;

/// A parameter set with its provenance, as shown beside every estimate.
struct ResolvedModel {
    catalog::PkParameterSetRecord record;  ///< for a request-supplied model: name "request"
    bool from_request = false;
};

struct PopulationRequest {
    std::size_t subjects = 0;
    std::uint64_t seed = 0;
    core::pk::Variability variability;  ///< data/pk/variability-configurable, overridden per field
};

struct SimulationRequest {
    ResolvedModel model;
    std::vector<core::pk::Dose> regimen;
    std::vector<double> times_h;
    std::optional<PopulationRequest> population;
};

struct SimulationOutput {
    core::pk::SimulationResult curves;  ///< the typical subject (the parameter set itself)
    std::optional<core::pk::PopulationResult> population;
    std::optional<PopulationRequest> population_request;
};

/// The text every estimate carries (no numbers: the parameter set's citations go beside it).
extern const char* const kModelEstimateNote;

/// `model`: absent/null = the default set; a string = a set name in data/pk; an object =
/// {ka_per_h, cl_l_per_h, v1_l, q_l_per_h?, v2_l?, bioavailability,
///  metabolite: {fraction_formed, cl_l_per_h, v_l}} (molar masses from the default set).
/// @param field  the request path of the model ("model"; empty for a bare parameters file)
/// @throws ValidationError naming the field; NotFoundError (404) for an unknown set name
ResolvedModel ResolveModel(const nlohmann::json* model, const std::string& field = "model");

/// Reads `regimen` (array of {time_h, dose_mg}) with field names `regimen[i].*`.
std::vector<core::pk::Dose> ReadRegimen(const nlohmann::json& regimen);
/// Reads a `times_h` array of numbers.
std::vector<double> ReadTimes(const nlohmann::json& times_h, std::size_t max_points);
/// Reads `population` {subjects, seed, cv_percent?}.
PopulationRequest ReadPopulation(const nlohmann::json& population);

/// The whole request body of POST /api/v1/simulations.
SimulationRequest ParseSimulationRequest(const nlohmann::json& body);

/// Validates everything, then runs the engine (population on `threads` threads; results do not
/// depend on the thread count).
SimulationOutput RunSimulation(const SimulationRequest& request, int threads);

/// {name, version, title, summary, default, two_compartment, parameters, citations, sources}.
nlohmann::json ParameterSetToJson(const ResolvedModel& model);

/// The response of POST /api/v1/simulations.
nlohmann::json SimulationToJson(const SimulationRequest& request, const SimulationOutput& out);

/// CSV: time_h,mitragynine_ng_ml,hydroxymitragynine_ng_ml[,mitragynine_p5_ng_ml,
/// mitragynine_p50_ng_ml,mitragynine_p95_ng_ml,hydroxymitragynine_p5_ng_ml,...].
/// Numbers in shortest round-trip form.
std::string SimulationToCsv(const SimulationOutput& out);

/// A regimen file: JSON (an array of {time_h, dose_mg} or {"regimen": [...]}) or CSV with the
/// header `time_h,dose_mg`. Errors name the line (`regimen line 4: dose_mg ...`).
std::vector<core::pk::Dose> ParseRegimenText(const std::string& text);

/// A times file: JSON (an array or {"times_h": [...]}) or one number per line (header
/// `time_h` allowed).
std::vector<double> ParseTimesText(const std::string& text);

/// 0, step, 2 step, ... up to and including `hours` (within rounding).
/// @throws ValidationError (`hours`, `step_h`) when not positive/finite or too many points.
std::vector<double> UniformTimes(double hours, double step_h);

/// What `mitra simulate` was given (file paths are read here, not in the CLI).
struct SimulateFilesOptions {
    std::string regimen_file;             ///< JSON or CSV (ParseRegimenText)
    std::string times_file;               ///< optional: JSON or one number per line
    std::optional<double> hours;          ///< with step_h, when no times_file
    double step_h = 1.0;
    std::string model;                    ///< parameter set name; empty = default
    std::string params_file;              ///< JSON parameters object (the request's `model`)
    std::optional<std::size_t> subjects;  ///< population size
    std::uint64_t seed = 1;
    std::string format = "csv";           ///< "csv" | "json"
};

/// Reads the files, validates, simulates and renders CSV or JSON (the API's answer).
/// @throws ValidationError (bad file content or options, naming the field/line);
///         InternalError when a file cannot be read; NotFoundError for an unknown model name.
std::string SimulateFromFiles(const SimulateFilesOptions& options, int threads);

// ---- Patient exposure from the dose journal ----------------------------------------------

/// Bounds of GET /api/v1/patients/{pid}/exposure.
inline constexpr std::int64_t kMaxExposureRangeDays = 366;
inline constexpr std::size_t kMaxExposurePoints = 50'000;

struct ExposureQuery {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    double step_h = 1.0;
};

/// How far before `from` doses still count: 10 terminal half-lives of the slower analyte of
/// the parameter set (leaves < 0.1 % of a dose's contribution), in ms.
std::int64_t ExposureLookbackMs(const core::pk::ParameterSet& parameters);

/// Exposure of one patient over [from, to] from their doses (any order; deleted doses and
/// doses without a known mitragynine_mg are skipped and counted). Curve on the grid
/// from + k*step_h; per-day AUC/Cmax/trough for each full 24-h day from `from`; each full
/// week's AUC change vs the first full week; steady-state figures at the patient's mean
/// dosing interval (24 h when fewer than two doses).
nlohmann::json ComputeExposureJson(const std::vector<core::Dose>& doses,
                                   const ExposureQuery& query, const ResolvedModel& model);

}  // namespace mitra::api
