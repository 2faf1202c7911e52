#pragma once
// Supervision records as stored: safety alerts raised by core/rules and clinician-approved
// taper plans built by core/taper. Plain value types; persistence is behind
// core/supervision_ports.hpp. Variable-shape parts (evidence, citations, parameters, schedule,
// holds) are canonical JSON text produced and read by src/api; core and storage treat them as
// opaque text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mitra::core {

enum class AlertStatus { kOpen, kAcknowledged, kResolved };
const char* ToString(AlertStatus status) noexcept;
std::optional<AlertStatus> ParseAlertStatus(std::string_view text);

struct Alert {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::string rule_id;
    std::string severity;  // "info" | "warning" | "high" | "urgent"
    AlertStatus status = AlertStatus::kOpen;
    /// Identifies the ongoing condition; unique per patient (core/rules README).
    std::string condition_key;
    std::string message;         // clinician text
    std::string patient_text;    // empty = not shown to the patient
    std::string clinician_text;
    std::string evidence_json;   // AlertCandidateToJson: evidence, units, threshold, rationale
    std::string citations_json;  // [{text, evidence, url?}]
    std::int64_t created_at_ms = 0;
    std::optional<std::string> acknowledged_by;
    std::optional<std::int64_t> acknowledged_at_ms;
    std::optional<std::string> note;
    std::optional<std::string> resolved_by;
    std::optional<std::int64_t> resolved_at_ms;
};

enum class TaperPlanStatus { kDraft, kApproved, kActive, kCompleted, kStopped };
const char* ToString(TaperPlanStatus status) noexcept;
std::optional<TaperPlanStatus> ParseTaperPlanStatus(std::string_view text);

struct TaperPlanRecord {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    int version = 1;
    std::optional<std::string> supersedes_id;
    std::string method;  // "linear" | "proportional" | "exposure"
    TaperPlanStatus status = TaperPlanStatus::kDraft;
    std::string parameters_json;  // the request as given, with defaults filled in
    std::string schedule_json;    // the planned schedule (before holds), summary, reasoning
    std::string created_by;
    std::optional<std::string> approved_by;
    std::optional<std::int64_t> approved_at_ms;
    std::string holds_json = "[]";  // [{start_date, end_date?, reason}] as recorded
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

}  // namespace mitra::core
