#include "core/accounts.hpp"

#include <array>

namespace mitra::core {

std::string_view RoleName(Role role) noexcept {
    switch (role) {
        case Role::kPatient: return "patient";
        case Role::kClinician: return "clinician";
        case Role::kResearcher: return "researcher";
        case Role::kAdmin: return "admin";
    }
    return "patient";
}

std::optional<Role> ParseRole(std::string_view name) noexcept {
    static constexpr std::array<Role, 4> kRoles{Role::kPatient, Role::kClinician,
                                                 Role::kResearcher, Role::kAdmin};
    for (Role role : kRoles) {
        if (RoleName(role) == name) {
            return role;
        }
    }
    return std::nullopt;
}

std::string_view PurposeName(ConsentPurpose purpose) noexcept {
    switch (purpose) {
        case ConsentPurpose::kCare: return "care";
        case ConsentPurpose::kResearch: return "research";
    }
    return "care";
}

std::optional<ConsentPurpose> ParsePurpose(std::string_view name) noexcept {
    if (name == "care") {
        return ConsentPurpose::kCare;
    }
    if (name == "research") {
        return ConsentPurpose::kResearch;
    }
    return std::nullopt;
}

std::string CanonicalAuditRecord(const AuditEntry& e) {
    constexpr char kSep = '\x1f';
    std::string out;
    for (const std::string* part :
         {&e.organization_id, &e.actor_user_id, &e.action, &e.subject_type, &e.subject_id,
          &e.patient_id, &e.outcome, &e.prev_hash}) {
        out += *part;
        out += kSep;
    }
    out += std::to_string(e.seq);
    out += kSep;
    out += std::to_string(e.at_ms);
    return out;
}

}  // namespace mitra::core
