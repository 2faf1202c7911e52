#include "api/mapping.hpp"

#include "core/time.hpp"

namespace mitra::api {

using Json = nlohmann::json;

Json ToJson(const core::Patient& p) {
    Json out = {{"id", p.id},
                {"organization_id", p.organization_id},
                {"user_id", p.user_id},
                {"display_name", p.display_name},
                {"timezone", p.timezone},
                {"jurisdiction", p.jurisdiction.empty() ? Json(nullptr) : Json(p.jurisdiction)},
                {"pregnant", p.pregnant ? Json(*p.pregnant) : Json(nullptr)},
                {"created_at", core::FormatRfc3339(p.created_at_ms)},
                {"updated_at", core::FormatRfc3339(p.updated_at_ms)}};
    return out;
}

Json ToJson(const core::Consent& c) {
    return {{"id", c.id},
            {"organization_id", c.organization_id},
            {"patient_id", c.patient_id},
            {"grantee_user_id", c.grantee_user_id},
            {"purpose", core::PurposeName(c.purpose)},
            {"granted_at", core::FormatRfc3339(c.granted_at_ms)},
            {"revoked_at",
             c.revoked_at_ms ? Json(core::FormatRfc3339(*c.revoked_at_ms)) : Json(nullptr)},
            {"active", !c.revoked_at_ms.has_value()}};
}

Json ToJson(const core::User& u) {
    Json out = {{"id", u.id},
                {"organization_id", u.organization_id},
                {"email", u.email},
                {"role", core::RoleName(u.role)},
                {"totp_enabled", u.totp_enabled},
                {"disabled", u.disabled},
                {"created_at", core::FormatRfc3339(u.created_at_ms)}};
    if (u.patient_id) {
        out["patient_id"] = *u.patient_id;
    }
    return out;
}

Json ToJson(const core::Organization& o) {
    return {{"id", o.id},
            {"name", o.name},
            {"require_totp", o.require_totp},
            {"created_at", core::FormatRfc3339(o.created_at_ms)}};
}

}  // namespace mitra::api
