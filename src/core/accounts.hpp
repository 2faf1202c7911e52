#pragma once
// Tenants, people and their access: organizations, users (with roles), patients, sessions,
// consents and the audit trail. Plain value types; persistence is behind core/ports.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mitra::core {

enum class Role { kPatient, kClinician, kResearcher, kAdmin };

std::string_view RoleName(Role role) noexcept;
std::optional<Role> ParseRole(std::string_view name) noexcept;

struct Organization {
    std::string id;
    std::string name;
    bool require_totp = false;  // clinicians and admins must use a second factor
    std::int64_t created_at_ms = 0;
};

struct User {
    std::string id;
    std::string organization_id;
    std::string email;  // stored lower-cased
    Role role = Role::kPatient;
    std::string password_hash;       // Argon2id string (libsodium crypto_pwhash_str)
    std::string totp_secret;         // base32; empty when not enrolled
    bool totp_enabled = false;
    std::optional<std::string> patient_id;  // for role patient
    bool disabled = false;
    std::int64_t created_at_ms = 0;
};

struct Patient {
    std::string id;
    std::string organization_id;
    std::string user_id;
    std::string display_name;
    std::string timezone = "UTC";     // IANA zone name
    std::string jurisdiction;         // ISO 3166 code, may be empty
    std::optional<bool> pregnant;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

/// A signed-in session. Only the SHA-256 of the bearer token is ever stored.
struct Session {
    std::string token_hash;  // hex SHA-256 of the 256-bit token
    std::string organization_id;
    std::string user_id;
    std::int64_t created_at_ms = 0;
    std::int64_t expires_at_ms = 0;
    std::optional<std::int64_t> revoked_at_ms;
};

enum class ConsentPurpose { kCare, kResearch };
std::string_view PurposeName(ConsentPurpose purpose) noexcept;
std::optional<ConsentPurpose> ParsePurpose(std::string_view name) noexcept;

struct Consent {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::string grantee_user_id;
    ConsentPurpose purpose = ConsentPurpose::kCare;
    std::int64_t granted_at_ms = 0;
    std::optional<std::int64_t> revoked_at_ms;
};

/// One audit event. `hash` = SHA-256 over the canonical record and `prev_hash`, so changing or
/// deleting an entry breaks the chain of its organization.
struct AuditEntry {
    std::int64_t seq = 0;  // 1, 2, 3 ... per organization
    std::string organization_id;
    std::int64_t at_ms = 0;
    std::string actor_user_id;  // empty for anonymous (failed sign-in of an unknown email)
    std::string action;         // "auth.login", "auth.login_failed", "consent.grant", "patient.read", ...
    std::string subject_type;   // "patient", "user", "consent", "session", ...
    std::string subject_id;
    std::string patient_id;     // the patient whose data was touched, or empty
    std::string outcome = "ok";
    std::string prev_hash;
    std::string hash;
};

/// The canonical text the audit hash covers (fields joined with unit separators).
std::string CanonicalAuditRecord(const AuditEntry& entry);

/// Failed sign-in bookkeeping for one key (an email or a client address).
struct LoginThrottle {
    std::string key;
    int failures = 0;
    std::int64_t window_start_ms = 0;
    std::int64_t locked_until_ms = 0;
};

}  // namespace mitra::core
