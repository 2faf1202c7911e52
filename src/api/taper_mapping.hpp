#pragma once
// Taper plans between stored records (core::TaperPlanRecord, JSON text columns) and
// core::taper values: the request parameters, the schedule, the recorded holds and the
// clinician-set hold policy; plus the daily assessment maxima the hold policy reads.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clinical.hpp"
#include "core/supervision.hpp"
#include "core/taper/taper.hpp"

namespace mitra::api {

/// {date, target_mitragynine_mg, step, note, hold, estimated_trough_ng_ml?}, plus
/// target_amount_g when `mg_per_g` (of the patient's current product/lot) is known.
nlohmann::json ScheduleEntryToJson(const core::taper::ScheduleEntry& entry,
                                   std::optional<double> mg_per_g);
core::taper::ScheduleEntry ScheduleEntryFromJson(const nlohmann::json& json);

nlohmann::json HoldsToJson(const std::vector<core::taper::HoldPeriod>& holds);
std::vector<core::taper::HoldPeriod> HoldsFromJson(const std::string& text);

/// The stored plan as a core plan (schedule as planned, holds as recorded, not yet applied).
core::taper::TaperPlan PlanOf(const core::TaperPlanRecord& record);

/// The plan's clinician-set hold policy (parameters.hold_policy), or nullopt when none.
std::optional<core::taper::HoldPolicy> HoldPolicyOf(const core::TaperPlanRecord& record);
/// Reads and validates a hold policy object; ValidationError "hold_policy.<field>".
core::taper::HoldPolicy ParseHoldPolicy(const nlohmann::json& json);
nlohmann::json HoldPolicyToJson(const core::taper::HoldPolicy& policy);

/// One entry per local day with the day's maximum total per instrument.
std::vector<core::taper::DailyScores> DailyScoresOf(
    const std::vector<core::Assessment>& assessments, const std::string& time_zone);

}  // namespace mitra::api
