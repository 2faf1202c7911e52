// Foundation routes: health, sign-in, the caller, organization and users (admin), patients
// and consents.

#include "api/routes.hpp"

#include <map>
#include <optional>

#include "api/access.hpp"
#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/json_input.hpp"
#include "api/mapping.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"
#include "core/rules/rules.hpp"
#include "core/time.hpp"
#include "crypto/crypto.hpp"

namespace mitra::api {
namespace {

namespace s = schema;

Json PatientSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"organization_id", s::Str("uuid")},
                   {"user_id", s::Str("uuid")},
                   {"display_name", s::Str()},
                   {"timezone", s::Str()},
                   {"jurisdiction", s::Nullable(s::Str())},
                   {"pregnant", s::Nullable(s::Bool())},
                   {"created_at", s::Str("date-time")},
                   {"updated_at", s::Str("date-time")},
                   // In a clinician's list only: what orders the panel, without a request per
                   // patient.
                   {"open_alerts", s::Int()},
                   {"highest_open_alert_severity",
                    s::Nullable(s::Enum({"info", "warning", "high", "urgent"}))}},
                  {"id", "organization_id", "timezone"}, false);
}

Json ConsentSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"patient_id", s::Str("uuid")},
                   {"grantee_user_id", s::Str("uuid")},
                   {"purpose", s::Enum({"care", "research"})},
                   {"granted_at", s::Str("date-time")},
                   {"revoked_at", s::Nullable(s::Str("date-time"))},
                   {"active", s::Bool()}},
                  {"id", "patient_id", "grantee_user_id", "purpose"}, false);
}

Json UserSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"organization_id", s::Str("uuid")},
                   {"email", s::Str("email")},
                   {"role", s::Enum({"patient", "clinician", "researcher", "admin"})},
                   {"patient_id", s::Str("uuid")},
                   {"totp_enabled", s::Bool()}},
                  {"id", "role"}, false);
}

Json MeJson(const Principal& me) {
    Json out = ToJson(me.user);
    out["organization_name"] = me.organization.name;
    out["totp_required"] = me.organization.require_totp &&
                           (me.user.role == core::Role::kClinician ||
                            me.user.role == core::Role::kAdmin);
    out["restricted"] = me.restricted;
    return out;
}

HttpResponse Healthz(RequestContext&) { return JsonResponse(200, {{"status", "ok"}}); }

HttpResponse Readyz(RequestContext& ctx) {
    const bool ok = ctx.services.storage.Ping();
    Json body = {{"status", ok ? "ready" : "unavailable"},
                 {"database", ctx.services.storage.BackendName()}};
    if (!ok) {
        HttpResponse response = ErrorResponse(503, "unavailable", "the database is not reachable");
        return response;
    }
    return JsonResponse(200, body);
}

HttpResponse LoginHandler(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const std::string email = in.RequireString("email", 254);
    const std::string password = in.RequireString("password", 1024);
    const auto totp = in.OptionalString("totp", 16);
    in.Finish();
    LoginResult result = Login(ctx.services, email, password, totp, ctx.request.remote_address);
    Json user = {{"id", result.principal.user.id},
                 {"role", core::RoleName(result.principal.user.role)},
                 {"organization_id", result.principal.organization.id},
                 {"email", result.principal.user.email}};
    if (result.principal.user.patient_id) {
        user["patient_id"] = *result.principal.user.patient_id;
    }
    Json out = {{"token", result.token}, {"user", user},
                {"restricted", result.principal.restricted}};
    return JsonResponse(200, out);
}

HttpResponse LogoutHandler(RequestContext& ctx) {
    Logout(ctx.services, ctx.Me());
    return JsonResponse(200, {{"signed_out", true}});
}

HttpResponse MeHandler(RequestContext& ctx) { return JsonResponse(200, MeJson(ctx.Me())); }

HttpResponse TotpStart(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician, core::Role::kAdmin});
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto user = uow->Users().FindById(ctx.Me().organization.id, ctx.Me().user.id);
    if (!user) {
        throw NotFoundError("no such user");
    }
    if (user->totp_enabled) {
        throw ConflictError("a second factor is already enrolled");
    }
    user->totp_secret = crypto::NewTotpSecret();
    uow->Users().Update(*user);
    AuditWrite(*uow, ctx, "user.totp_enrol_start", "user", user->id, "");
    uow->Commit();
    const std::string uri = "otpauth://totp/mitra:" + user->email + "?secret=" +
                            user->totp_secret + "&issuer=mitra&digits=6&period=30";
    return JsonResponse(200, {{"secret", user->totp_secret}, {"otpauth_uri", uri}});
}

HttpResponse TotpConfirm(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician, core::Role::kAdmin});
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const std::string code = in.RequireString("code", 16);
    in.Finish();
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto user = uow->Users().FindById(ctx.Me().organization.id, ctx.Me().user.id);
    if (!user || user->totp_secret.empty()) {
        throw ConflictError("start enrolment first (POST /api/v1/me/totp)");
    }
    if (user->totp_enabled) {
        throw ConflictError("a second factor is already enrolled");
    }
    if (!crypto::VerifyTotp(user->totp_secret, code, ctx.Now() / 1000)) {
        throw ValidationError("code", "the code does not match; check the device clock");
    }
    user->totp_enabled = true;
    uow->Users().Update(*user);
    AuditWrite(*uow, ctx, "user.totp_enrol", "user", user->id, "");
    uow->Commit();
    return JsonResponse(200, {{"totp_enabled", true}});
}

HttpResponse GetOrganization(RequestContext& ctx) {
    return JsonResponse(200, ToJson(ctx.Me().organization));
}

HttpResponse PatchOrganization(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kAdmin});
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto require_totp = in.OptionalBool("require_totp");
    const auto name = in.OptionalString("name", 200);
    in.Finish();
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto org = uow->Organizations().FindById(ctx.Me().organization.id);
    if (!org) {
        throw NotFoundError("no such organization");
    }
    if (require_totp) {
        org->require_totp = *require_totp;
    }
    if (name) {
        if (name->empty()) {
            throw ValidationError("name", "name must not be empty");
        }
        org->name = *name;
    }
    uow->Organizations().Update(*org);
    AuditWrite(*uow, ctx, "organization.update", "organization", org->id, "");
    uow->Commit();
    return JsonResponse(200, ToJson(*org));
}

HttpResponse ListUsers(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kAdmin});
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    Json out = Json::array();
    for (const auto& user : uow->Users().ListByOrganization(ctx.Me().organization.id)) {
        out.push_back(ToJson(user));
    }
    return JsonResponse(200, {{"users", out}});
}

HttpResponse CreateUserHandler(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kAdmin});
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    NewUser request;
    request.organization_id = ctx.Me().organization.id;
    request.email = in.RequireString("email", 254);
    request.password = in.RequireString("password", 1024);
    const std::string role = in.RequireString("role", 32);
    auto parsed_role = core::ParseRole(role);
    if (!parsed_role) {
        throw ValidationError("role", "role must be patient, clinician, researcher or admin");
    }
    request.role = *parsed_role;
    request.display_name = in.OptionalString("display_name", 200).value_or("");
    request.timezone = in.OptionalString("timezone", 64).value_or("UTC");
    request.jurisdiction = in.OptionalString("jurisdiction", 32).value_or("");
    in.Finish();
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    core::User user =
        CreateUser(*uow, ctx.services.clock, ctx.services.random, request, ctx.Me().user.id);
    uow->Commit();
    return JsonResponse(201, ToJson(user));
}

HttpResponse DisableUser(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kAdmin});
    const std::string uid = PathId(ctx.params.at("uid"), "user");
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const bool disabled = in.RequireBool("disabled");
    in.Finish();
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto user = uow->Users().FindById(ctx.Me().organization.id, uid);
    if (!user) {
        throw NotFoundError("no such user");
    }
    user->disabled = disabled;
    uow->Users().Update(*user);
    if (disabled) {
        uow->Sessions().RevokeAllForUser(user->organization_id, user->id, ctx.Now());
    }
    AuditWrite(*uow, ctx, disabled ? "user.disable" : "user.enable", "user", user->id, "");
    uow->Commit();
    return JsonResponse(200, ToJson(*user));
}

HttpResponse Directory(RequestContext& ctx) {
    // Patients choose whom to share with: the clinicians (and researchers) of their clinic.
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    Json out = Json::array();
    for (const auto& user : uow->Users().ListByOrganization(ctx.Me().organization.id)) {
        if ((user.role == core::Role::kClinician || user.role == core::Role::kResearcher) &&
            !user.disabled) {
            out.push_back({{"id", user.id}, {"email", user.email},
                           {"role", core::RoleName(user.role)}});
        }
    }
    return JsonResponse(200, {{"staff", out}});
}

HttpResponse ListPatients(RequestContext& ctx) {
    const Principal& me = ctx.Me();
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    std::vector<core::Patient> patients;
    switch (me.user.role) {
        case core::Role::kPatient:
            if (me.user.patient_id) {
                if (auto p = uow->Patients().FindById(me.organization.id, *me.user.patient_id)) {
                    patients.push_back(*p);
                }
            }
            break;
        case core::Role::kClinician:
            patients = uow->Patients().ListConsentedTo(me.organization.id, me.user.id,
                                                       core::ConsentPurpose::kCare);
            break;
        case core::Role::kAdmin:
            throw ForbiddenError("administrators manage accounts and cannot read clinical data");
        case core::Role::kResearcher:
            throw ForbiddenError("researchers see de-identified study data only");
    }
    // A clinician's panel is ordered by open alerts: one grouped query for the organization,
    // attached only to the patients listed (who consent to this clinician).
    struct OpenAlerts {
        int count = 0;
        std::optional<core::rules::Severity> top;
    };
    std::map<std::string, OpenAlerts> open;
    const bool with_alerts = me.user.role == core::Role::kClinician;
    if (with_alerts) {
        for (const auto& row : uow->Alerts().OpenCounts(me.organization.id)) {
            OpenAlerts& o = open[row.patient_id];
            o.count += row.count;
            const auto severity = core::rules::ParseSeverity(row.severity);
            if (severity && (!o.top || *severity > *o.top)) {
                o.top = severity;
            }
        }
    }
    Json out = Json::array();
    for (const auto& p : patients) {
        Json item = ToJson(p);
        if (with_alerts) {
            const auto it = open.find(p.id);
            const bool any = it != open.end() && it->second.top.has_value();
            item["open_alerts"] = it == open.end() ? 0 : it->second.count;
            item["highest_open_alert_severity"] =
                any ? Json(core::rules::ToString(*it->second.top)) : Json(nullptr);
        }
        out.push_back(std::move(item));
        AuditRead(ctx, "patient.list", "patient", p.id, p.id);
    }
    return JsonResponse(200, {{"patients", out}});
}

HttpResponse GetPatient(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    AuditRead(ctx, "patient.read", "patient", patient.id, patient.id);
    return JsonResponse(200, ToJson(patient));
}

HttpResponse PatchPatient(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto timezone = in.OptionalString("timezone", 64);
    const auto jurisdiction = in.OptionalString("jurisdiction", 32);
    const auto display_name = in.OptionalString("display_name", 200);
    const Json* pregnant = in.Optional("pregnant");
    const bool pregnant_present = body.contains("pregnant");
    in.Finish();
    if (timezone && !core::IsValidTimeZone(*timezone)) {
        throw ValidationError("timezone", "timezone must be an IANA zone such as Europe/Paris");
    }
    if (jurisdiction && !jurisdiction->empty()) {
        const auto& j = *jurisdiction;
        const bool shape_ok = j.size() >= 2 && std::isupper(static_cast<unsigned char>(j[0])) &&
                              std::isupper(static_cast<unsigned char>(j[1])) &&
                              (j.size() == 2 || j[2] == '-');
        if (!shape_ok) {
            throw ValidationError("jurisdiction",
                                  "jurisdiction must be an ISO 3166 code such as US-TX or TH");
        }
    }
    if (pregnant != nullptr && !pregnant->is_boolean()) {
        throw ValidationError("pregnant", "pregnant must be true, false or null");
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    core::Patient patient = RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kWrite);
    const Json previous = ToJson(patient);
    if (timezone) {
        patient.timezone = *timezone;
    }
    if (jurisdiction) {
        patient.jurisdiction = *jurisdiction;
    }
    if (display_name) {
        patient.display_name = *display_name;
    }
    if (pregnant_present) {
        patient.pregnant = pregnant == nullptr ? std::nullopt : std::optional(pregnant->get<bool>());
    }
    patient.updated_at_ms = ctx.Now();
    uow->Patients().Update(patient);
    uow->History().Insert({ctx.NewId(), patient.organization_id, "patient", patient.id,
                           ctx.Me().user.id, patient.updated_at_ms, previous.dump()});
    AuditWrite(*uow, ctx, "patient.update", "patient", patient.id, patient.id);
    uow->Commit();
    uow.reset();  // release the connection before evaluating
    EvaluateAfterCommit(ctx, patient);
    return JsonResponse(200, ToJson(patient));
}

HttpResponse PatientHistory(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& h : uow->History().ListForEntity(patient.organization_id, "patient",
                                                       patient.id)) {
        out.push_back({{"changed_by", h.changed_by},
                       {"changed_at", core::FormatRfc3339(h.changed_at_ms)},
                       {"previous", Json::parse(h.previous_json)}});
    }
    AuditRead(ctx, "patient.history_read", "patient", patient.id, patient.id);
    return JsonResponse(200, {{"history", out}});
}

core::Patient RequireOwnPatient(core::UnitOfWork& uow, RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kPatient});
    return RequirePatient(uow, ctx, ctx.params.at("pid"), PatientAccess::kWrite);
}

HttpResponse GrantConsent(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const std::string grantee = in.RequireId("grantee_user_id");
    const std::string purpose_text = in.RequireString("purpose", 32);
    in.Finish();
    const auto purpose = core::ParsePurpose(purpose_text);
    if (!purpose) {
        throw ValidationError("purpose", "purpose must be care or research");
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequireOwnPatient(*uow, ctx);
    auto grantee_user = uow->Users().FindById(patient.organization_id, grantee);
    const core::Role needed =
        *purpose == core::ConsentPurpose::kCare ? core::Role::kClinician : core::Role::kResearcher;
    if (!grantee_user || grantee_user->role != needed || grantee_user->disabled) {
        throw ValidationError("grantee_user_id",
                              std::string("grantee_user_id must name an active ") +
                                  std::string(core::RoleName(needed)) + " of your clinic");
    }
    for (const auto& existing : uow->Consents().ListForPatient(patient.organization_id, patient.id)) {
        if (!existing.revoked_at_ms && existing.grantee_user_id == grantee &&
            existing.purpose == *purpose) {
            return JsonResponse(200, ToJson(existing));  // already granted: nothing new
        }
    }
    core::Consent consent{ctx.NewId(), patient.organization_id, patient.id, grantee, *purpose,
                          ctx.Now(), std::nullopt};
    uow->Consents().Insert(consent);
    AuditWrite(*uow, ctx, "consent.grant", "consent", consent.id, patient.id);
    uow->Commit();
    return JsonResponse(201, ToJson(consent));
}

HttpResponse RevokeConsent(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequireOwnPatient(*uow, ctx);
    const std::string cid = PathId(ctx.params.at("cid"), "consent");
    auto consent = uow->Consents().FindById(patient.organization_id, cid);
    if (!consent || consent->patient_id != patient.id) {
        throw NotFoundError("no such consent");
    }
    if (!consent->revoked_at_ms) {
        consent->revoked_at_ms = ctx.Now();
        uow->Consents().Revoke(patient.organization_id, cid, *consent->revoked_at_ms);
        AuditWrite(*uow, ctx, "consent.revoke", "consent", cid, patient.id);
    }
    uow->Commit();
    return JsonResponse(200, ToJson(*consent));
}

HttpResponse ListConsents(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& c : uow->Consents().ListForPatient(patient.organization_id, patient.id)) {
        out.push_back(ToJson(c));
    }
    AuditRead(ctx, "consent.list", "patient", patient.id, patient.id);
    return JsonResponse(200, {{"consents", out}});
}

}  // namespace

void AddFoundationRoutes(Router& router) {
    const Json ok_schema = s::AnyObject();
    router.Add({"GET", "/healthz", Access::kPublic, Healthz,
                {"Liveness: the process answers", "operations", nullptr,
                 s::Obj({{"status", s::Str()}}, {}, false)}});
    router.Add({"GET", "/readyz", Access::kPublic, Readyz,
                {"Readiness: the database answers (503 otherwise)", "operations", nullptr,
                 s::Obj({{"status", s::Str()}, {"database", s::Str()}}, {}, false)}});
    router.Add({"POST", "/api/v1/auth/login", Access::kPublic, LoginHandler,
                {"Sign in; returns a bearer token", "auth",
                 s::Obj({{"email", s::Str("email")}, {"password", s::Str()}, {"totp", s::Str()}},
                        {"email", "password"}),
                 s::Obj({{"token", s::Str()}, {"user", s::AnyObject()}, {"restricted", s::Bool()}},
                        {"token", "user"}, false)}});
    router.Add({"POST", "/api/v1/auth/logout", Access::kSignedInRestricted, LogoutHandler,
                {"Sign out; the token stops working at once", "auth", nullptr, ok_schema}});
    router.Add({"GET", "/api/v1/me", Access::kSignedInRestricted, MeHandler,
                {"The signed-in user", "auth", nullptr, UserSchema()}});
    router.Add({"POST", "/api/v1/me/totp", Access::kSignedInRestricted, TotpStart,
                {"Start TOTP enrolment (clinicians, admins): returns the secret", "auth", nullptr,
                 s::Obj({{"secret", s::Str()}, {"otpauth_uri", s::Str()}}, {}, false)}});
    router.Add({"POST", "/api/v1/me/totp/confirm", Access::kSignedInRestricted, TotpConfirm,
                {"Confirm TOTP enrolment with a current code", "auth",
                 s::Obj({{"code", s::Str()}}, {"code"}),
                 s::Obj({{"totp_enabled", s::Bool()}}, {}, false)}});
    router.Add({"GET", "/api/v1/organization", Access::kSignedIn, GetOrganization,
                {"The caller's organization", "admin", nullptr, ok_schema}});
    router.Add({"PATCH", "/api/v1/organization", Access::kSignedIn, PatchOrganization,
                {"Change organization settings (admin), e.g. require_totp", "admin",
                 s::Obj({{"require_totp", s::Bool()}, {"name", s::Str()}}), ok_schema}});
    router.Add({"GET", "/api/v1/users", Access::kSignedIn, ListUsers,
                {"Users of the organization (admin)", "admin", nullptr,
                 s::Obj({{"users", s::Array(UserSchema())}}, {}, false)}});
    router.Add({"POST", "/api/v1/users", Access::kSignedIn, CreateUserHandler,
                {"Create a user (admin); a patient user gets a patient record", "admin",
                 s::Obj({{"email", s::Str("email")},
                         {"password", s::Str()},
                         {"role", s::Enum({"patient", "clinician", "researcher", "admin"})},
                         {"display_name", s::Str()},
                         {"timezone", s::Str()},
                         {"jurisdiction", s::Str()}},
                        {"email", "password", "role"}),
                 UserSchema(), 201}});
    router.Add({"PATCH", "/api/v1/users/{uid}", Access::kSignedIn, DisableUser,
                {"Disable or enable a user (admin); disabling ends their sessions", "admin",
                 s::Obj({{"disabled", s::Bool()}}, {"disabled"}), UserSchema()}});
    router.Add({"GET", "/api/v1/directory", Access::kSignedIn, Directory,
                {"Clinicians and researchers of the caller's clinic (to share with)", "consent",
                 nullptr, ok_schema}});
    router.Add({"GET", "/api/v1/patients", Access::kSignedIn, ListPatients,
                {"Patients the caller may see", "patients", nullptr,
                 s::Obj({{"patients", s::Array(PatientSchema())}}, {}, false)}});
    router.Add({"GET", "/api/v1/patients/{pid}", Access::kSignedIn, GetPatient,
                {"One patient", "patients", nullptr, PatientSchema()}});
    router.Add({"PATCH", "/api/v1/patients/{pid}", Access::kSignedIn, PatchPatient,
                {"Change a patient's settings; previous values are kept", "patients",
                 s::Obj({{"timezone", s::Str()},
                         {"jurisdiction", s::Nullable(s::Str())},
                         {"display_name", s::Str()},
                         {"pregnant", s::Nullable(s::Bool())}}),
                 PatientSchema()}});
    router.MarkWritesFacts("PATCH", "/api/v1/patients/{pid}");  // queues its evaluation
    router.Add({"GET", "/api/v1/patients/{pid}/history", Access::kSignedIn, PatientHistory,
                {"Previous values of the patient's settings", "patients", nullptr, ok_schema}});
    router.Add({"GET", "/api/v1/patients/{pid}/consents", Access::kSignedIn, ListConsents,
                {"The patient's consents", "consent", nullptr,
                 s::Obj({{"consents", s::Array(ConsentSchema())}}, {}, false)}});
    router.Add({"POST", "/api/v1/patients/{pid}/consents", Access::kSignedIn, GrantConsent,
                {"Grant a clinician (care) or researcher (research) access (the patient)",
                 "consent",
                 s::Obj({{"grantee_user_id", s::Str("uuid")},
                         {"purpose", s::Enum({"care", "research"})}},
                        {"grantee_user_id", "purpose"}),
                 ConsentSchema(), 201}});
    router.Add({"DELETE", "/api/v1/patients/{pid}/consents/{cid}", Access::kSignedIn,
                RevokeConsent,
                {"Revoke a consent; access ends at once (the patient)", "consent", nullptr,
                 ConsentSchema()}});
}

}  // namespace mitra::api
