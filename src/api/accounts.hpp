#pragma once
// Account operations shared by the HTTP API and the command line: creating organizations and
// users (a patient user gets a patient record), signing in and out, resolving a bearer token,
// and TOTP enrolment.

#include <optional>
#include <string>

#include "api/context.hpp"

namespace mitra::api {

struct NewUser {
    std::string organization_id;
    core::Role role = core::Role::kPatient;
    std::string email;
    std::string password;
    std::string display_name;
    std::string timezone = "UTC";
    std::string jurisdiction;
};

/// Validates and stores an organization. Throws ValidationError ("name") / ConflictError.
core::Organization CreateOrganization(core::UnitOfWork& uow, core::Clock& clock,
                                      core::Random& random, const std::string& name);

/// Validates and stores a user (and the patient record for role patient); audited.
/// Throws ValidationError naming the field, ConflictError ("email") if taken.
core::User CreateUser(core::UnitOfWork& uow, core::Clock& clock, core::Random& random,
                      const NewUser& request, const std::string& actor_user_id);

/// Lower-cases and checks an email address; throws ValidationError("email").
std::string NormalizeEmail(const std::string& email);

struct LoginResult {
    std::string token;
    Principal principal;
};

/// Signs in. Wrong email and wrong password look the same (401 "invalid_credentials");
/// too many failures for the email or the client address → 429 with Retry-After, whether or
/// not the account exists. A required or enrolled second factor must be given as `totp`.
LoginResult Login(ApiServices& services, const std::string& email, const std::string& password,
                  const std::optional<std::string>& totp, const std::string& remote_address);

/// Resolves a bearer token to its principal, or nullopt (unknown, expired, revoked, disabled).
std::optional<Principal> Authenticate(ApiServices& services, const std::string& token);

/// Ends the session at once.
void Logout(ApiServices& services, const Principal& principal);

/// Appends an audit entry inside `uow` for the calling principal (or `actor` when given).
void AuditWrite(core::UnitOfWork& uow, const RequestContext& ctx, const std::string& action,
                const std::string& subject_type, const std::string& subject_id,
                const std::string& patient_id);
/// Queues an audit entry for a read of patient data.
void AuditRead(const RequestContext& ctx, const std::string& action,
               const std::string& subject_type, const std::string& subject_id,
               const std::string& patient_id);

}  // namespace mitra::api
