#include "api/access.hpp"

#include "api/json_input.hpp"
#include "core/error.hpp"

namespace mitra::api {

void RequireRole(const RequestContext& ctx, std::initializer_list<core::Role> roles) {
    for (core::Role role : roles) {
        if (ctx.Me().user.role == role) {
            return;
        }
    }
    throw ForbiddenError("your role (" + std::string(core::RoleName(ctx.Me().user.role)) +
                         ") may not do this");
}

core::Patient RequirePatient(core::UnitOfWork& uow, const RequestContext& ctx,
                             const std::string& pid_param, PatientAccess /*access*/) {
    const Principal& me = ctx.Me();
    if (me.user.role == core::Role::kAdmin) {
        throw ForbiddenError("administrators manage accounts and cannot read clinical data");
    }
    if (me.user.role == core::Role::kResearcher) {
        throw ForbiddenError("researchers see de-identified study data only");
    }
    const std::string pid = PathId(pid_param, "patient");
    std::optional<core::Patient> patient;
    if (me.user.role == core::Role::kPatient) {
        if (me.user.patient_id == pid) {
            patient = uow.Patients().FindById(me.organization.id, pid);
        }
    } else if (me.user.role == core::Role::kClinician) {
        patient = uow.Patients().FindIfConsented(me.organization.id, pid, me.user.id,
                                                 core::ConsentPurpose::kCare);
    }
    if (!patient) {
        throw NotFoundError("no such patient");
    }
    return *patient;
}

}  // namespace mitra::api
