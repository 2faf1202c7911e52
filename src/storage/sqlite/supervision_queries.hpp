#pragma once
// SQL of the supervision repositories: alerts and taper plans (SQLite).

namespace mitra::storage::sqlite::q {

#define MITRA_ALERT_COLUMNS                                                                  \
    "organization_id, id, patient_id, rule_id, severity, status, condition_key, message, "   \
    "patient_text, clinician_text, evidence_json, citations_json, created_at_ms, "           \
    "acknowledged_by, acknowledged_at_ms, note, resolved_by, resolved_at_ms"
inline constexpr const char kAlertInsert[] =
    "INSERT INTO alerts (" MITRA_ALERT_COLUMNS ") VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
inline constexpr const char kAlertUpdate[] =
    "UPDATE alerts SET status = ?6, acknowledged_by = ?14, acknowledged_at_ms = ?15, "
    "note = ?16, resolved_by = ?17, resolved_at_ms = ?18 WHERE organization_id = ?1 AND id = ?2";
inline constexpr const char kAlertById[] =
    "SELECT " MITRA_ALERT_COLUMNS " FROM alerts WHERE organization_id = ?1 AND id = ?2";
inline constexpr const char kAlertsForPatient[] =
    "SELECT " MITRA_ALERT_COLUMNS " FROM alerts WHERE organization_id = ?1 AND patient_id = ?2 "
    "ORDER BY created_at_ms, id";
inline constexpr const char kAlertOpenCounts[] =
    "SELECT patient_id, severity, count(*) FROM alerts WHERE organization_id = ?1 "
    "AND status = 'open' GROUP BY patient_id, severity ORDER BY patient_id, severity";
inline constexpr const char kAlertKeys[] =
    "SELECT condition_key FROM alerts WHERE organization_id = ?1 AND patient_id = ?2 "
    "ORDER BY condition_key";
#undef MITRA_ALERT_COLUMNS

#define MITRA_TAPER_COLUMNS                                                                  \
    "organization_id, id, patient_id, version, supersedes_id, method, status, "              \
    "parameters_json, schedule_json, created_by, approved_by, approved_at_ms, holds_json, "  \
    "created_at_ms, updated_at_ms"
inline constexpr const char kTaperInsert[] =
    "INSERT INTO taper_plans (" MITRA_TAPER_COLUMNS ") VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
inline constexpr const char kTaperUpdate[] =
    "UPDATE taper_plans SET status = ?7, approved_by = ?11, approved_at_ms = ?12, "
    "holds_json = ?13, updated_at_ms = ?15 WHERE organization_id = ?1 AND id = ?2";
inline constexpr const char kTaperById[] =
    "SELECT " MITRA_TAPER_COLUMNS " FROM taper_plans WHERE organization_id = ?1 AND id = ?2";
inline constexpr const char kTapersForPatient[] =
    "SELECT " MITRA_TAPER_COLUMNS " FROM taper_plans WHERE organization_id = ?1 AND "
    "patient_id = ?2 ORDER BY created_at_ms, id";
inline constexpr const char kTaperActive[] =
    "SELECT " MITRA_TAPER_COLUMNS " FROM taper_plans WHERE organization_id = ?1 AND "
    "patient_id = ?2 AND status = 'active'";  // taper_plans_one_active: at most one row, no sort
#undef MITRA_TAPER_COLUMNS

}  // namespace mitra::storage::sqlite::q
