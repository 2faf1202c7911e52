#pragma once
// Authorization, in one place per handler. A patient reaches only their own record; a clinician
// reaches a patient only under the patient's active `care` consent; an administrator manages
// accounts and never reads clinical data; a researcher sees no identified record.
// Not visible → 404 (so ids cannot be probed); role not allowed at all → 403.

#include <initializer_list>
#include <string>

#include "api/context.hpp"

namespace mitra::api {

enum class PatientAccess { kRead, kWrite };

/// Loads the patient named by a path parameter if the caller may access it; throws otherwise.
core::Patient RequirePatient(core::UnitOfWork& uow, const RequestContext& ctx,
                             const std::string& pid_param, PatientAccess access);

/// Throws ForbiddenError unless the caller has one of `roles`.
void RequireRole(const RequestContext& ctx, std::initializer_list<core::Role> roles);

}  // namespace mitra::api
