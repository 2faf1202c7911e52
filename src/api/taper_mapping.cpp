#include "api/taper_mapping.hpp"

#include <map>

#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {

using Json = nlohmann::json;

Json ScheduleEntryToJson(const core::taper::ScheduleEntry& entry, std::optional<double> mg_per_g) {
    Json out = {{"date", core::FormatDate(entry.date)},
                {"target_mitragynine_mg", entry.target_mitragynine_mg},
                {"step", entry.step_index},
                {"note", entry.note},
                {"hold", entry.hold}};
    if (entry.estimated_trough_ng_ml) {
        out["estimated_trough_ng_ml"] = *entry.estimated_trough_ng_ml;
    }
    if (mg_per_g && *mg_per_g > 0.0) {
        out["target_amount_g"] = entry.target_mitragynine_mg / *mg_per_g;
    }
    return out;
}

core::taper::ScheduleEntry ScheduleEntryFromJson(const Json& json) {
    core::taper::ScheduleEntry entry;
    const auto date = core::ParseDate(json.at("date").get<std::string>());
    if (!date) {
        throw InternalError("stored taper schedule has an unreadable date");
    }
    entry.date = *date;
    entry.target_mitragynine_mg = json.at("target_mitragynine_mg").get<double>();
    entry.step_index = json.value("step", 0);
    entry.note = json.value("note", std::string());
    entry.hold = json.value("hold", false);
    if (json.contains("estimated_trough_ng_ml")) {
        entry.estimated_trough_ng_ml = json.at("estimated_trough_ng_ml").get<double>();
    }
    return entry;
}

Json HoldsToJson(const std::vector<core::taper::HoldPeriod>& holds) {
    Json out = Json::array();
    for (const auto& h : holds) {
        Json item = {{"start_date", core::FormatDate(h.start_date)},
                     {"end_date", nullptr},
                     {"reason", h.reason}};
        if (h.end_date) {
            item["end_date"] = core::FormatDate(*h.end_date);
        }
        out.push_back(item);
    }
    return out;
}

std::vector<core::taper::HoldPeriod> HoldsFromJson(const std::string& text) {
    std::vector<core::taper::HoldPeriod> out;
    const Json json = Json::parse(text.empty() ? std::string("[]") : text);
    for (const auto& item : json) {
        core::taper::HoldPeriod h;
        h.start_date = core::ParseDate(item.at("start_date").get<std::string>()).value_or(0);
        if (item.contains("end_date") && item.at("end_date").is_string()) {
            h.end_date = core::ParseDate(item.at("end_date").get<std::string>());
        }
        h.reason = item.value("reason", std::string());
        out.push_back(h);
    }
    return out;
}

core::taper::TaperPlan PlanOf(const core::TaperPlanRecord& record) {
    core::taper::TaperPlan plan;
    plan.method = core::taper::ParseMethod(record.method).value_or(core::taper::Method::kLinear);
    const Json stored = Json::parse(record.schedule_json);
    for (const auto& item : stored.at("schedule")) {
        plan.schedule.push_back(ScheduleEntryFromJson(item));
    }
    if (stored.contains("summary")) {
        const Json& s = stored.at("summary");
        plan.summary.steps = s.value("steps", 0);
        plan.summary.duration_days = s.value("duration_days", 0);
        plan.summary.interval_days_used = s.value("interval_days_used", 0);
        plan.summary.hold_days = s.value("hold_days", 0);
    }
    plan.reasoning = stored.value("reasoning", std::string());
    plan.holds = HoldsFromJson(record.holds_json);
    return plan;
}

core::taper::HoldPolicy ParseHoldPolicy(const Json& json) {
    if (!json.is_object()) {
        throw ValidationError("hold_policy", "hold_policy must be an object");
    }
    core::taper::HoldPolicy policy;
    auto read_map = [&](const char* name, std::map<std::string, double>& out) {
        if (!json.contains(name)) {
            return;
        }
        const Json& m = json.at(name);
        if (!m.is_object()) {
            throw ValidationError(std::string("hold_policy.") + name,
                                  "must be an object {instrument: score}");
        }
        for (const auto& [key, value] : m.items()) {
            if (!value.is_number()) {
                throw ValidationError(std::string("hold_policy.") + name + "." + key,
                                      "must be a number");
            }
            out[key] = value.get<double>();
        }
    };
    for (const auto& [key, value] : json.items()) {
        if (key != "pause_at_or_above" && key != "pause_after_days" && key != "resume_below" &&
            key != "resume_after_days") {
            throw ValidationError("hold_policy." + key, "unknown field");
        }
    }
    read_map("pause_at_or_above", policy.pause_at_or_above);
    read_map("resume_below", policy.resume_below);
    auto read_int = [&](const char* name) {
        if (!json.contains(name) || !json.at(name).is_number_integer()) {
            throw ValidationError(std::string("hold_policy.") + name,
                                  "must be a whole number of days");
        }
        return json.at(name).get<int>();
    };
    policy.pause_after_days = read_int("pause_after_days");
    policy.resume_after_days = read_int("resume_after_days");
    try {
        core::taper::Validate(policy);
    } catch (const ValidationError& e) {
        throw ValidationError("hold_policy." + e.field(), e.what());
    }
    return policy;
}

Json HoldPolicyToJson(const core::taper::HoldPolicy& policy) {
    return {{"pause_at_or_above", policy.pause_at_or_above},
            {"pause_after_days", policy.pause_after_days},
            {"resume_below", policy.resume_below},
            {"resume_after_days", policy.resume_after_days}};
}

std::optional<core::taper::HoldPolicy> HoldPolicyOf(const core::TaperPlanRecord& record) {
    const Json params = Json::parse(record.parameters_json);
    if (!params.contains("hold_policy") || params.at("hold_policy").is_null()) {
        return std::nullopt;
    }
    return ParseHoldPolicy(params.at("hold_policy"));
}

std::vector<core::taper::DailyScores> DailyScoresOf(
    const std::vector<core::Assessment>& assessments, const std::string& time_zone) {
    std::map<std::int32_t, std::map<std::string, double>> by_day;
    for (const auto& a : assessments) {
        if (a.deleted_at_ms) {
            continue;
        }
        auto& scores = by_day[core::LocalDay(a.taken_at_ms, time_zone)];
        auto it = scores.find(a.instrument);
        if (it == scores.end() || a.total > it->second) {
            scores[a.instrument] = a.total;
        }
    }
    std::vector<core::taper::DailyScores> out;
    for (auto& [day, scores] : by_day) {
        out.push_back({day, std::move(scores)});
    }
    return out;
}

}  // namespace mitra::api
