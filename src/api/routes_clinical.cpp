// Clinical record routes: products and lots (organization data) with the lot compliance check,
// instruments, and the patient-scoped doses, assessments, substance use, medications, adverse
// events and timeline.
//
// Writes are idempotent by client id (body "id" or the Idempotency-Key header, a UUID): the
// same id with the same content answers 200 with the stored record and stores nothing; the
// same id with different content answers 409. Clinical records are never hard-deleted: DELETE
// marks a dose "entered in error"; edits keep the previous value in record_history.
//
// Clinician-only instruments (cows-11, oows-13) submitted by a patient answer 403 with
// field "instrument".

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "api/access.hpp"
#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/catalog/coa.hpp"
#include "api/catalog/standards_json.hpp"
#include "api/clinical_mapping.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "api/timeline.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

namespace s = schema;
namespace units = core::units;

/// How far ahead of the server clock a client timestamp may be (device clock skew).
constexpr std::int64_t kMaxFutureSkewMs = 5LL * 60 * 1000;
constexpr std::size_t kMaxListLimit = 10000;
constexpr double kMaxSubstanceAmount = 1.0e6;  // engineering bound on a typed amount

// ---------------------------------------------------------------------------------- helpers

Json ParseOptionalBody(const HttpRequest& request) {
    if (std::all_of(request.body.begin(), request.body.end(),
                    [](unsigned char c) { return std::isspace(c) != 0; })) {
        return Json::object();
    }
    return ParseJsonObject(request);
}

std::int64_t NotInFuture(const RequestContext& ctx, std::int64_t at_ms, const char* field) {
    if (at_ms > ctx.Now() + kMaxFutureSkewMs) {
        throw ValidationError(field, std::string(field) + " is in the future");
    }
    return at_ms;
}

core::TimeRange RangeFromQuery(const HttpRequest& request) {
    core::TimeRange range;
    if (auto from = QueryTimestamp(request, "from")) {
        range.from_ms = *from;
    }
    if (auto to = QueryTimestamp(request, "to")) {
        range.to_ms = *to;
    }
    if (range.to_ms < range.from_ms) {
        throw ValidationError("to", "to must not be before from");
    }
    range.limit = static_cast<int>(
        QueryInt(request, "limit", 1, static_cast<long long>(kMaxListLimit)).value_or(1000));
    auto deleted = request.query.find("include_deleted");
    range.include_deleted = deleted != request.query.end() && deleted->second == "true";
    return range;
}

[[noreturn]] void IdTaken() {
    throw ConflictError("this id already names a different record", "id");
}

std::string PatientOf(const RequestContext& ctx) { return ctx.params.at("pid"); }

Json Page(const char* key, Json items) { return {{key, std::move(items)}}; }

// --------------------------------------------------------------------- products and lots

bool CanManageProducts(const RequestContext& ctx) {
    return ctx.Me().user.role == core::Role::kClinician || ctx.Me().user.role == core::Role::kAdmin;
}

std::optional<double> LabelContent(ObjectReader& in, const char* name) {
    auto v = in.OptionalNumber(name);
    if (v && (*v < 0 || *v > units::kMaxContentMgPerG)) {
        throw ValidationError(in.FieldName(name), in.FieldName(name) + " must be from 0 to 1000");
    }
    return v;
}

Json ProductSchema() {
    return s::Obj(
        {{"id", s::Str("uuid")},
         {"name", s::Str()},
         {"vendor", s::Str()},
         {"form", s::Enum({"leaf_powder", "capsule", "liquid_extract", "tablet", "other"})},
         {"serving", s::Obj({{"amount", s::Num()}, {"unit", s::Str()}})},
         {"grams_per_unit", s::Nullable(s::Num())},
         {"label", s::AnyObject()}},
        {"id", "name", "form"}, false);
}

HttpResponse ListProducts(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    Json out = Json::array();
    for (const auto& p : uow->Products().List(ctx.Me().organization.id)) {
        out.push_back(ToJson(p));
    }
    return JsonResponse(200, Page("products", out));
}

core::Product LoadProduct(core::UnitOfWork& uow, const RequestContext& ctx) {
    const std::string id = PathId(ctx.params.at("id"), "product");
    auto product = uow.Products().FindById(ctx.Me().organization.id, id);
    if (!product) {
        throw NotFoundError("no such product");
    }
    return *product;
}

HttpResponse GetProduct(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    return JsonResponse(200, ToJson(LoadProduct(*uow, ctx)));
}

HttpResponse CreateProduct(RequestContext& ctx) {
    if (!CanManageProducts(ctx)) {
        throw ForbiddenError("only clinicians and administrators register products");
    }
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    core::Product p;
    p.name = in.RequireString("name", 200);
    if (p.name.empty()) {
        throw ValidationError("name", "name must not be empty");
    }
    p.vendor = in.OptionalString("vendor", 200).value_or("");
    p.form = in.RequireString("form", 32);
    const units::ProductForm form = units::ParseProductForm(p.form);
    if (const Json* serving = in.Optional("serving")) {
        ObjectReader sr(*serving, "serving");
        p.serving_amount = sr.RequireNumber("amount");
        p.serving_unit = sr.RequireString("unit", 16);
        sr.Finish();
        if (p.serving_amount <= 0 || p.serving_amount > units::kMaxDoseUnitCount) {
            throw ValidationError("serving.amount", "serving.amount must be > 0 and <= 1000");
        }
        const auto unit = units::ParseDoseUnit(p.serving_unit);
        const auto allowed = units::AllowedUnits(form);
        if (std::find(allowed.begin(), allowed.end(), unit) == allowed.end()) {
            throw ValidationError("serving.unit", "serving.unit is not a unit of this form");
        }
    } else {
        p.serving_amount = 1.0;
        p.serving_unit = "g";
    }
    p.grams_per_unit = in.OptionalNumber("grams_per_unit");
    if (p.grams_per_unit && (*p.grams_per_unit <= 0 || *p.grams_per_unit > 100)) {
        throw ValidationError("grams_per_unit", "grams_per_unit must be > 0 and <= 100");
    }
    Json label_stored = nullptr;
    if (const Json* label = in.Optional("label")) {
        ObjectReader lr(*label, "label");
        p.label_mitragynine_mg_per_g = LabelContent(lr, "mitragynine_mg_per_g");
        p.label_hydroxymitragynine_mg_per_g = LabelContent(lr, "hydroxymitragynine_mg_per_g");
        const auto m_unit = LabelContent(lr, "mitragynine_mg_per_unit");
        const auto oh_unit = LabelContent(lr, "hydroxymitragynine_mg_per_unit");
        const auto synthetic = lr.OptionalBool("declares_synthetic_alkaloids");
        const auto controlled = lr.OptionalBool("declares_controlled_substances");
        lr.Finish();
        label_stored = Json::object();
        auto put = [&](const char* k, const std::optional<double>& v) {
            if (v) {
                label_stored[k] = *v;
            }
        };
        put("mitragynine_mg_per_g", p.label_mitragynine_mg_per_g);
        put("hydroxymitragynine_mg_per_g", p.label_hydroxymitragynine_mg_per_g);
        put("mitragynine_mg_per_unit", m_unit);
        put("hydroxymitragynine_mg_per_unit", oh_unit);
        label_stored["declares_synthetic_alkaloids"] = synthetic.value_or(false);
        label_stored["declares_controlled_substances"] = controlled.value_or(false);
    }
    in.Finish();
    p.label_json = label_stored.is_null() ? std::string() : label_stored.dump();
    p.organization_id = ctx.Me().organization.id;
    p.created_by = ctx.Me().user.id;
    p.created_at_ms = p.updated_at_ms = ctx.Now();
    p.id = id.value_or(ctx.NewId());

    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    if (id) {
        if (auto existing = uow->Products().FindById(p.organization_id, *id)) {
            if (existing->name != p.name || existing->form != p.form) {
                IdTaken();
            }
            return JsonResponse(200, ToJson(*existing));
        }
    }
    uow->Products().Insert(p);
    AuditWrite(*uow, ctx, "product.create", "product", p.id, "");
    uow->Commit();
    return JsonResponse(201, ToJson(p));
}

HttpResponse ListLots(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Product product = LoadProduct(*uow, ctx);
    Json out = Json::array();
    for (const auto& lot : uow->Lots().ListForProduct(product.organization_id, product.id)) {
        out.push_back(ToJson(lot));
    }
    return JsonResponse(200, Page("lots", out));
}

core::Lot LoadLot(core::UnitOfWork& uow, const RequestContext& ctx, const core::Product& product) {
    const std::string id = PathId(ctx.params.at("lot"), "lot");
    auto lot = uow.Lots().FindById(product.organization_id, id);
    if (!lot || lot->product_id != product.id) {
        throw NotFoundError("no such lot");
    }
    return *lot;
}

HttpResponse GetLot(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Product product = LoadProduct(*uow, ctx);
    return JsonResponse(200, ToJson(LoadLot(*uow, ctx, product)));
}

HttpResponse CreateLot(RequestContext& ctx) {
    if (!CanManageProducts(ctx)) {
        throw ForbiddenError("only clinicians and administrators register lots");
    }
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    const std::string code = in.RequireString("code", 100);
    if (code.empty()) {
        throw ValidationError("code", "code must not be empty");
    }
    const Json& assay_json = in.Require("assay");
    in.Finish();
    // One validator for lots, whatever their way in: the COA parser (docs/coa-format.md).
    const auto parsed = catalog::ParseCoaJson(Json{{"code", code}, {"assay", assay_json}}.dump());
    if (!parsed.rejections.empty()) {
        const auto& r = parsed.rejections.front();
        throw ValidationError(r.field.empty() ? "assay" : r.field, r.reason);
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Product product = LoadProduct(*uow, ctx);
    core::Lot lot = MakeLot(id.value_or(ctx.NewId()), product.organization_id, product.id, code,
                            parsed.lots.front().assay, ctx.Me().user.id, ctx.Now());
    if (id) {
        if (auto existing = uow->Lots().FindById(product.organization_id, *id)) {
            if (existing->product_id != product.id || existing->code != code ||
                existing->assay_json != lot.assay_json) {
                IdTaken();
            }
            return JsonResponse(200, ToJson(*existing));
        }
    }
    if (uow->Lots().FindByCode(product.organization_id, product.id, code)) {
        throw ConflictError("this product already has a lot with this code", "code");
    }
    uow->Lots().Insert(lot);
    AuditWrite(*uow, ctx, "lot.create", "lot", lot.id, "");
    uow->Commit();
    return JsonResponse(201, ToJson(lot));
}

HttpResponse LotCompliance(RequestContext& ctx) {
    std::optional<double> daily_intake_g;
    if (auto it = ctx.request.query.find("daily_intake_g");
        it != ctx.request.query.end() && !it->second.empty()) {
        double v = 0.0;
        const auto& t = it->second;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size() || !std::isfinite(v) || v <= 0) {
            throw ValidationError("daily_intake_g", "daily_intake_g must be a positive number");
        }
        daily_intake_g = v;
    }
    std::vector<std::string> rules;
    if (auto it = ctx.request.query.find("jurisdiction_rules"); it != ctx.request.query.end()) {
        std::string rest = it->second;
        std::size_t start = 0;
        while (start <= rest.size()) {
            const std::size_t comma = rest.find(',', start);
            std::string item =
                rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!item.empty()) {
                rules.push_back(item);
            }
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Product product = LoadProduct(*uow, ctx);
    const core::Lot lot = LoadLot(*uow, ctx, product);
    const auto& catalogs = Catalogs();
    const auto report = core::products::Check(catalogs.standards, AssayOf(lot), LabelOf(product),
                                              daily_intake_g, rules);
    Json out = catalog::ComplianceReportToJson(report);
    out["product_id"] = product.id;
    out["lot_id"] = lot.id;
    out["lot_code"] = lot.code;
    out["standards_version"] = catalogs.standards.version;
    out["daily_intake_g"] = daily_intake_g ? Json(*daily_intake_g) : Json(nullptr);
    return JsonResponse(200, out);
}

// ---------------------------------------------------------------------------------- doses

Json DoseSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"patient_id", s::Str("uuid")},
                   {"taken_at", s::Str("date-time")},
                   {"product_id", s::Nullable(s::Str("uuid"))},
                   {"lot_id", s::Nullable(s::Str("uuid"))},
                   {"amount", s::Num()},
                   {"unit", s::Enum({"g", "capsule", "tablet", "ml"})},
                   {"amount_g", s::Nullable(s::Num())},
                   {"mitragynine_mg", s::Nullable(s::Num())},
                   {"hydroxymitragynine_mg", s::Nullable(s::Num())},
                   {"derivation", s::AnyObject()},
                   {"entered_in_error", s::Bool()}},
                  {"id", "patient_id", "taken_at", "amount", "unit", "derivation"}, false);
}

/// Product and lot of a dose; the lot names its product when only the lot is given.
void ResolveProductAndLot(core::UnitOfWork& uow, const std::string& org_id,
                          std::optional<std::string>& product_id,
                          const std::optional<std::string>& lot_id,
                          std::optional<core::Product>& product, std::optional<core::Lot>& lot) {
    if (lot_id) {
        lot = uow.Lots().FindById(org_id, *lot_id);
        if (!lot) {
            throw ValidationError("lot_id", "lot_id names no lot of this clinic");
        }
        if (product_id && lot->product_id != *product_id) {
            throw ValidationError("lot_id", "lot_id is not a lot of product_id");
        }
        product_id = lot->product_id;
    }
    if (product_id) {
        product = uow.Products().FindById(org_id, *product_id);
        if (!product) {
            throw ValidationError("product_id", "product_id names no product of this clinic");
        }
    }
}

struct DoseRequest {
    std::optional<std::string> id;
    std::optional<std::int64_t> taken_at_ms;
    std::optional<std::string> product_id;
    std::optional<std::string> lot_id;
    double amount = 0.0;
    std::string unit;
};

bool SameDose(const core::Dose& stored, const DoseRequest& r) {
    // A lot-only request resolves its product, so compare the product only when given.
    return (!r.product_id || stored.product_id == r.product_id) && stored.lot_id == r.lot_id &&
           stored.amount == r.amount && stored.unit == r.unit &&
           (!r.taken_at_ms || stored.taken_at_ms == *r.taken_at_ms);
}

/// Stores a new dose for `patient` unless its id exists (then the stored one is returned with
/// 200, or 409 if the content differs).
HttpResponse StoreDose(RequestContext& ctx, DoseRequest r, const char* action) {
    // Products and lots never change once registered (no endpoint edits them), so the dose is
    // normalised before its write transaction, off the single writer's time.
    core::Dose normalised;
    normalised.amount = r.amount;
    normalised.unit = r.unit;
    normalised.lot_id = r.lot_id;
    normalised.product_id = r.product_id;
    Json derivation;
    {
        std::optional<core::Product> product;
        std::optional<core::Lot> lot;
        if (r.product_id || r.lot_id) {
            auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
            // The caller who may not write for this patient learns nothing of the clinic's
            // products: the same answer as the write's own check.
            const core::Patient patient =
                RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
            ResolveProductAndLot(*uow, patient.organization_id, normalised.product_id, r.lot_id,
                                 product, lot);
        }
        derivation = NormalizeInto(normalised, product, lot, Catalogs());
    }
    auto store = [&]() -> HttpResponse {
        std::optional<core::Patient> patient;
        std::optional<core::Dose> existing;
        core::Dose dose = normalised;
        ctx.services.storage.Write([&](core::UnitOfWork& uow) {
            patient = RequirePatient(uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
            if (r.id) {
                existing = uow.Doses().FindById(patient->organization_id, *r.id);
                if (existing) {
                    if (existing->patient_id != patient->id || !SameDose(*existing, r)) {
                        IdTaken();
                    }
                    return;  // a retry: nothing new to store
                }
            }
            dose.id = r.id.value_or(ctx.NewId());
            dose.organization_id = patient->organization_id;
            dose.patient_id = patient->id;
            dose.taken_at_ms = r.taken_at_ms.value_or(ctx.Now());
            dose.recorded_by = ctx.Me().user.id;
            dose.recorded_at_ms = dose.updated_at_ms = ctx.Now();
            uow.Doses().Insert(dose);
            AuditWrite(uow, ctx, action, "dose", dose.id, patient->id);
        });
        if (existing) {
            return JsonResponse(200, ToJson(*existing));
        }
        EvaluateAfterCommit(ctx, *patient);
        return JsonResponse(201, ToJson(dose, derivation));
    };
    try {
        return store();
    } catch (const ConflictError&) {
        if (!r.id) {
            throw;
        }
        return store();  // a concurrent retry stored it first: answer as a retry
    }
}

DoseRequest ReadDoseBody(RequestContext& ctx, const Json& body) {
    ObjectReader in(body);
    DoseRequest r;
    r.id = ClientId(ctx.request, in);
    r.taken_at_ms = in.OptionalTimestamp("taken_at");
    if (r.taken_at_ms) {
        NotInFuture(ctx, *r.taken_at_ms, "taken_at");
    }
    r.product_id = in.OptionalId("product_id");
    r.lot_id = in.OptionalId("lot_id");
    r.amount = in.RequireNumber("amount");
    r.unit = in.RequireString("unit", 16);
    in.Finish();
    units::ParseDoseUnit(r.unit);  // 400 "unit" before touching the database
    return r;
}

HttpResponse CreateDose(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    return StoreDose(ctx, ReadDoseBody(ctx, body), "dose.create");
}

HttpResponse RepeatLastDose(RequestContext& ctx) {
    const Json body = ParseOptionalBody(ctx.request);
    ObjectReader in(body);
    DoseRequest r;
    r.id = ClientId(ctx.request, in);
    r.taken_at_ms = in.OptionalTimestamp("taken_at");
    in.Finish();
    if (r.taken_at_ms) {
        NotInFuture(ctx, *r.taken_at_ms, "taken_at");
    }
    {
        auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
        const core::Patient patient =
            RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
        if (r.id) {
            if (auto existing = uow->Doses().FindById(patient.organization_id, *r.id)) {
                if (existing->patient_id != patient.id ||
                    (r.taken_at_ms && existing->taken_at_ms != *r.taken_at_ms)) {
                    IdTaken();
                }
                return JsonResponse(200, ToJson(*existing));
            }
        }
        auto last = uow->Doses().LastForPatient(patient.organization_id, patient.id);
        if (!last) {
            throw NotFoundError("no earlier dose to repeat", "no_previous_dose");
        }
        r.product_id = last->product_id;
        r.lot_id = last->lot_id;
        r.amount = last->amount;
        r.unit = last->unit;
    }
    return StoreDose(ctx, r, "dose.repeat_last");
}

HttpResponse ListDoses(RequestContext& ctx) {
    const core::TimeRange range = RangeFromQuery(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& d : uow->Doses().ListForPatient(patient.organization_id, patient.id, range)) {
        out.push_back(ToJson(d));
    }
    AuditRead(ctx, "dose.list", "patient", patient.id, patient.id);
    return JsonResponse(200, Page("doses", out));
}

core::Dose LoadDose(core::UnitOfWork& uow, const RequestContext& ctx,
                    const core::Patient& patient) {
    const std::string id = PathId(ctx.params.at("id"), "dose");
    auto dose = uow.Doses().FindById(patient.organization_id, id);
    if (!dose || dose->patient_id != patient.id) {
        throw NotFoundError("no such dose");
    }
    return *dose;
}

HttpResponse GetDose(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    const core::Dose dose = LoadDose(*uow, ctx, patient);
    Json out = ToJson(dose);
    Json history = Json::array();
    for (const auto& h : uow->History().ListForEntity(patient.organization_id, "dose", dose.id)) {
        history.push_back({{"changed_by", h.changed_by},
                           {"changed_at", core::FormatRfc3339(h.changed_at_ms)},
                           {"previous", Json::parse(h.previous_json, nullptr, false)}});
    }
    out["history"] = history;
    AuditRead(ctx, "dose.read", "dose", dose.id, patient.id);
    return JsonResponse(200, out);
}

HttpResponse PatchDose(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto taken_at = in.OptionalTimestamp("taken_at");
    const auto product_id = in.OptionalId("product_id");
    const auto lot_id = in.OptionalId("lot_id");
    const bool lot_cleared = body.contains("lot_id") && body["lot_id"].is_null();
    const auto amount = in.OptionalNumber("amount");
    const auto unit = in.OptionalString("unit", 16);
    in.Finish();
    if (taken_at) {
        NotInFuture(ctx, *taken_at, "taken_at");
    }
    if (unit) {
        units::ParseDoseUnit(*unit);
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
    core::Dose dose = LoadDose(*uow, ctx, patient);
    if (dose.deleted_at_ms) {
        throw ConflictError("this dose was withdrawn as entered in error");
    }
    const Json previous = ToJson(dose);
    if (taken_at) {
        dose.taken_at_ms = *taken_at;
    }
    if (amount) {
        dose.amount = *amount;
    }
    if (unit) {
        dose.unit = *unit;
    }
    std::optional<std::string> new_product = dose.product_id;
    std::optional<std::string> new_lot = dose.lot_id;
    if (product_id && product_id != dose.product_id) {
        new_product = product_id;
        new_lot.reset();  // a lot belongs to one product
    }
    if (lot_id) {
        new_lot = lot_id;
    } else if (lot_cleared) {
        new_lot.reset();
    }
    std::optional<core::Product> product;
    std::optional<core::Lot> lot;
    ResolveProductAndLot(*uow, patient.organization_id, new_product, new_lot, product, lot);
    dose.product_id = new_product;
    dose.lot_id = new_lot;
    NormalizeInto(dose, product, lot, Catalogs());
    dose.updated_at_ms = ctx.Now();
    uow->History().Insert({ctx.NewId(), patient.organization_id, "dose", dose.id, ctx.Me().user.id,
                           dose.updated_at_ms, previous.dump()});
    uow->Doses().Update(dose);
    AuditWrite(*uow, ctx, "dose.update", "dose", dose.id, patient.id);
    uow->Commit();
    uow.reset();  // release the connection before evaluating
    EvaluateAfterCommit(ctx, patient);
    return JsonResponse(200, ToJson(dose));
}

HttpResponse DeleteDose(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
    core::Dose dose = LoadDose(*uow, ctx, patient);
    if (!dose.deleted_at_ms) {
        const Json previous = ToJson(dose);
        dose.deleted_at_ms = dose.updated_at_ms = ctx.Now();
        uow->History().Insert({ctx.NewId(), patient.organization_id, "dose", dose.id,
                               ctx.Me().user.id, dose.updated_at_ms, previous.dump()});
        uow->Doses().Update(dose);
        AuditWrite(*uow, ctx, "dose.entered_in_error", "dose", dose.id, patient.id);
        uow->Commit();
        uow.reset();  // release the connection before evaluating
        EvaluateAfterCommit(ctx, patient);
    }
    return JsonResponse(200, ToJson(dose));
}

// ---------------------------------------------------------------------------- instruments

HttpResponse ListInstruments(RequestContext&) {
    Json out = Json::array();
    for (const auto& instrument : Catalogs().instruments) {
        out.push_back(InstrumentToJson(instrument));
    }
    return JsonResponse(200, Page("instruments", out));
}

HttpResponse GetInstrument(RequestContext& ctx) {
    const auto* instrument = Catalogs().FindInstrument(ctx.params.at("id"));
    if (instrument == nullptr) {
        throw NotFoundError("no such instrument");
    }
    return JsonResponse(200, InstrumentToJson(*instrument));
}

// ---------------------------------------------------------------------------- assessments

HttpResponse CreateAssessment(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    const std::string instrument_id = in.RequireString("instrument", 64);
    const auto taken_at = in.OptionalTimestamp("taken_at");
    const Json& responses = in.Require("responses");
    core::scoring::ScoreOptions options;
    options.solely_under_medical_supervision =
        in.OptionalBool("solely_under_medical_supervision").value_or(false);
    in.Finish();
    if (taken_at) {
        NotInFuture(ctx, *taken_at, "taken_at");
    }
    const auto* instrument = Catalogs().FindInstrument(instrument_id);
    if (instrument == nullptr) {
        throw ValidationError("instrument", "unknown instrument (see GET /api/v1/instruments)");
    }
    const bool is_patient = ctx.Me().user.role == core::Role::kPatient;
    if (is_patient && instrument->administered_by == core::scoring::Administrator::kClinician) {
        throw Error(ErrorCode::kForbidden, "this instrument is administered by a clinician",
                    "instrument");
    }
    core::Assessment a;
    ScoreInto(a, *instrument, responses, options);
    auto store = [&]() -> HttpResponse {
        std::optional<core::Patient> patient;
        std::optional<core::Assessment> existing;
        ctx.services.storage.Write([&](core::UnitOfWork& uow) {
            patient = RequirePatient(uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
            if (id) {
                existing = uow.Assessments().FindById(patient->organization_id, *id);
                if (existing) {
                    if (existing->patient_id != patient->id ||
                        existing->instrument != a.instrument ||
                        existing->responses_json != a.responses_json ||
                        (taken_at && existing->taken_at_ms != *taken_at)) {
                        IdTaken();
                    }
                    return;  // a retry: nothing new to store
                }
            }
            a.id = id.value_or(ctx.NewId());
            a.organization_id = patient->organization_id;
            a.patient_id = patient->id;
            a.taken_at_ms = taken_at.value_or(ctx.Now());
            a.administered_by = ctx.Me().user.id;
            a.administered_role = is_patient ? "patient" : "clinician";
            a.recorded_at_ms = ctx.Now();
            uow.Assessments().Insert(a);
            AuditWrite(uow, ctx, "assessment.create", "assessment", a.id, patient->id);
        });
        if (existing) {
            return JsonResponse(200, ToJson(*existing));
        }
        EvaluateAfterCommit(ctx, *patient);
        Json out = ToJson(a);
        if (instrument->bands.empty() && !instrument->bands_note.empty()) {
            out["bands_note"] = instrument->bands_note;
        }
        return JsonResponse(201, out);
    };
    try {
        return store();
    } catch (const ConflictError&) {
        if (!id) {
            throw;
        }
        return store();
    }
}

HttpResponse ListAssessments(RequestContext& ctx) {
    const core::TimeRange range = RangeFromQuery(ctx.request);
    std::string instrument;
    if (auto it = ctx.request.query.find("instrument"); it != ctx.request.query.end()) {
        instrument = it->second;
        if (!instrument.empty() && Catalogs().FindInstrument(instrument) == nullptr) {
            throw ValidationError("instrument", "unknown instrument");
        }
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& a : uow->Assessments().ListForPatient(patient.organization_id, patient.id,
                                                           instrument, range)) {
        out.push_back(ToJson(a));
    }
    AuditRead(ctx, "assessment.list", "patient", patient.id, patient.id);
    return JsonResponse(200, Page("assessments", out));
}

// ------------------------------------------------- substance use, medications, adverse events

/// Runs `insert` as a combined write (Storage::Write) unless `find` finds the id (then `same`
/// decides between 200 with the stored record and 409).
template <typename T, typename Find, typename Same, typename Insert, typename ToJsonFn>
HttpResponse IdempotentCreate(RequestContext& ctx, const std::optional<std::string>& id, Find find,
                              Same same, Insert insert, ToJsonFn to_json) {
    auto store = [&]() -> HttpResponse {
        std::optional<core::Patient> patient;
        std::optional<T> existing;
        std::optional<T> created;
        ctx.services.storage.Write([&](core::UnitOfWork& uow) {
            patient = RequirePatient(uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
            if (id) {
                existing = find(uow, patient->organization_id, *id);
                if (existing) {
                    if (existing->patient_id != patient->id || !same(*existing)) {
                        IdTaken();
                    }
                    return;  // a retry: nothing new to store
                }
            }
            created = insert(uow, *patient);
        });
        if (existing) {
            return JsonResponse(200, to_json(*existing));
        }
        EvaluateAfterCommit(ctx, *patient);
        return JsonResponse(201, to_json(*created));
    };
    try {
        return store();
    } catch (const ConflictError& e) {
        if (!id || e.field() != "") {
            throw;
        }
        return store();
    }
}

HttpResponse CreateSubstanceUse(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    core::SubstanceUse u;
    const auto taken_at = in.OptionalTimestamp("taken_at");
    u.substance_class = in.RequireString("substance_class", 32);
    u.substance = in.OptionalString("substance", 200);
    u.amount = in.OptionalNumber("amount");
    u.unit = in.OptionalString("unit", 32);
    in.Finish();
    if (!IsSubstanceClass(u.substance_class)) {
        throw ValidationError("substance_class",
                              "substance_class must be opioid, benzodiazepine, alcohol, "
                              "gabapentinoid, stimulant, cannabis or other");
    }
    if (u.amount && (*u.amount < 0 || *u.amount > kMaxSubstanceAmount)) {
        throw ValidationError("amount", "amount must be from 0 to 1000000");
    }
    if (u.amount && !u.unit) {
        throw ValidationError("unit", "unit is required with an amount");
    }
    if (taken_at) {
        NotInFuture(ctx, *taken_at, "taken_at");
    }
    return IdempotentCreate<core::SubstanceUse>(
        ctx, id,
        [](core::UnitOfWork& uow, const std::string& org, const std::string& key) {
            return uow.SubstanceUses().FindById(org, key);
        },
        [&](const core::SubstanceUse& e) {
            return e.substance_class == u.substance_class && e.substance == u.substance &&
                   e.amount == u.amount && e.unit == u.unit &&
                   (!taken_at || e.taken_at_ms == *taken_at);
        },
        [&](core::UnitOfWork& uow, const core::Patient& patient) {
            core::SubstanceUse row = u;
            row.id = id.value_or(ctx.NewId());
            row.organization_id = patient.organization_id;
            row.patient_id = patient.id;
            row.taken_at_ms = taken_at.value_or(ctx.Now());
            row.recorded_by = ctx.Me().user.id;
            row.recorded_at_ms = ctx.Now();
            uow.SubstanceUses().Insert(row);
            AuditWrite(uow, ctx, "substance_use.create", "substance_use", row.id, patient.id);
            return row;
        },
        [](const core::SubstanceUse& row) { return ToJson(row); });
}

HttpResponse ListSubstanceUse(RequestContext& ctx) {
    const core::TimeRange range = RangeFromQuery(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& u :
         uow->SubstanceUses().ListForPatient(patient.organization_id, patient.id, range)) {
        out.push_back(ToJson(u));
    }
    AuditRead(ctx, "substance_use.list", "patient", patient.id, patient.id);
    return JsonResponse(200, Page("substance_use", out));
}

HttpResponse CreateMedication(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    core::Medication m;
    m.name = in.RequireString("name", 200);
    m.started_on = in.RequireDate("started_on");
    m.stopped_on = in.OptionalDate("stopped_on");
    in.Finish();
    if (m.name.find_first_not_of(" \t") == std::string::npos) {
        throw ValidationError("name", "name must not be empty");
    }
    if (m.stopped_on && *m.stopped_on < m.started_on) {
        throw ValidationError("stopped_on", "stopped_on is before started_on");
    }
    const auto& catalogs = Catalogs();
    if (auto match = core::drugs::MatchDrug(catalogs.drugs, m.name)) {
        m.drug_id = match->drug->id;
    }
    return IdempotentCreate<core::Medication>(
        ctx, id,
        [](core::UnitOfWork& uow, const std::string& org, const std::string& key) {
            return uow.Medications().FindById(org, key);
        },
        [&](const core::Medication& e) {
            return e.name == m.name && e.started_on == m.started_on && e.stopped_on == m.stopped_on;
        },
        [&](core::UnitOfWork& uow, const core::Patient& patient) {
            core::Medication row = m;
            row.id = id.value_or(ctx.NewId());
            row.organization_id = patient.organization_id;
            row.patient_id = patient.id;
            row.recorded_by = ctx.Me().user.id;
            row.recorded_at_ms = row.updated_at_ms = ctx.Now();
            uow.Medications().Insert(row);
            AuditWrite(uow, ctx, "medication.create", "medication", row.id, patient.id);
            return row;
        },
        [&](const core::Medication& row) { return MedicationToJson(row, catalogs); });
}

HttpResponse ListMedications(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& m :
         uow->Medications().ListForPatient(patient.organization_id, patient.id, false)) {
        out.push_back(MedicationToJson(m, Catalogs()));
    }
    AuditRead(ctx, "medication.list", "patient", patient.id, patient.id);
    return JsonResponse(200, Page("medications", out));
}

core::Medication LoadMedication(core::UnitOfWork& uow, const RequestContext& ctx,
                                const core::Patient& patient) {
    const std::string id = PathId(ctx.params.at("id"), "medication");
    auto medication = uow.Medications().FindById(patient.organization_id, id);
    if (!medication || medication->patient_id != patient.id) {
        throw NotFoundError("no such medication");
    }
    return *medication;
}

HttpResponse GetMedication(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    const core::Medication medication = LoadMedication(*uow, ctx, patient);
    Json out = MedicationToJson(medication, Catalogs());
    Json history = Json::array();
    for (const auto& h : uow->History().ListForEntity(patient.organization_id, "medication",
                                                       medication.id)) {
        history.push_back({{"changed_by", h.changed_by},
                           {"changed_at", core::FormatRfc3339(h.changed_at_ms)},
                           {"previous", Json::parse(h.previous_json, nullptr, false)}});
    }
    out["history"] = history;
    AuditRead(ctx, "medication.read", "medication", medication.id, patient.id);
    return JsonResponse(200, out);
}

// Corrects a medication or records that it stopped; the previous value is kept in history.
HttpResponse PatchMedication(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto name = in.OptionalString("name", 200);
    const auto started_on = in.OptionalDate("started_on");
    const auto stopped_on = in.OptionalDate("stopped_on");
    const bool stop_cleared = body.contains("stopped_on") && body["stopped_on"].is_null();
    in.Finish();
    if (name && name->find_first_not_of(" \t") == std::string::npos) {
        throw ValidationError("name", "name must not be empty");
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
    core::Medication medication = LoadMedication(*uow, ctx, patient);
    if (medication.deleted_at_ms) {
        throw ConflictError("this medication was withdrawn as entered in error");
    }
    const auto& catalogs = Catalogs();
    const Json previous = MedicationToJson(medication, catalogs);
    if (name) {
        medication.name = *name;
        medication.drug_id.reset();
        if (auto match = core::drugs::MatchDrug(catalogs.drugs, medication.name)) {
            medication.drug_id = match->drug->id;
        }
    }
    if (started_on) {
        medication.started_on = *started_on;
    }
    if (stopped_on) {
        medication.stopped_on = *stopped_on;
    } else if (stop_cleared) {
        medication.stopped_on.reset();
    }
    if (medication.stopped_on && *medication.stopped_on < medication.started_on) {
        throw ValidationError("stopped_on", "stopped_on is before started_on");
    }
    medication.updated_at_ms = ctx.Now();
    uow->History().Insert({ctx.NewId(), patient.organization_id, "medication", medication.id,
                           ctx.Me().user.id, medication.updated_at_ms, previous.dump()});
    uow->Medications().Update(medication);
    AuditWrite(*uow, ctx, "medication.update", "medication", medication.id, patient.id);
    uow->Commit();
    uow.reset();  // release the connection before evaluating
    EvaluateAfterCommit(ctx, patient);
    return JsonResponse(200, MedicationToJson(medication, catalogs));
}

// Withdraws a medication entered in error (kept, never deleted).
HttpResponse DeleteMedication(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kWrite);
    core::Medication medication = LoadMedication(*uow, ctx, patient);
    const auto& catalogs = Catalogs();
    if (!medication.deleted_at_ms) {
        const Json previous = MedicationToJson(medication, catalogs);
        medication.deleted_at_ms = medication.updated_at_ms = ctx.Now();
        uow->History().Insert({ctx.NewId(), patient.organization_id, "medication", medication.id,
                               ctx.Me().user.id, medication.updated_at_ms, previous.dump()});
        uow->Medications().Update(medication);
        AuditWrite(*uow, ctx, "medication.entered_in_error", "medication", medication.id,
                   patient.id);
        uow->Commit();
        uow.reset();  // release the connection before evaluating
        EvaluateAfterCommit(ctx, patient);
    }
    return JsonResponse(200, MedicationToJson(medication, catalogs));
}

HttpResponse CreateAdverseEvent(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const auto id = ClientId(ctx.request, in);
    core::AdverseEvent e;
    e.onset_at_ms = in.RequireTimestamp("onset_at");
    e.description = in.RequireString("description", kMaxLongString);
    const Json* terms = in.Optional("terms");
    e.serious = in.RequireBool("serious");
    e.lot_id = in.OptionalId("lot_id");
    in.Finish();
    NotInFuture(ctx, e.onset_at_ms, "onset_at");
    if (e.description.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw ValidationError("description", "description must not be empty");
    }
    Json term_list = Json::array();
    if (terms != nullptr) {
        if (!terms->is_array() || terms->size() > 50) {
            throw ValidationError("terms", "terms must be an array of at most 50 strings");
        }
        for (const auto& t : *terms) {
            if (!t.is_string() || t.get<std::string>().empty() ||
                t.get<std::string>().size() > 200) {
                throw ValidationError("terms", "each term must be a string of 1 to 200 bytes");
            }
            term_list.push_back(t);
        }
    }
    e.terms_json = term_list.dump();
    return IdempotentCreate<core::AdverseEvent>(
        ctx, id,
        [](core::UnitOfWork& uow, const std::string& org, const std::string& key) {
            return uow.AdverseEvents().FindById(org, key);
        },
        [&](const core::AdverseEvent& x) {
            return x.onset_at_ms == e.onset_at_ms && x.description == e.description &&
                   x.terms_json == e.terms_json && x.serious == e.serious && x.lot_id == e.lot_id;
        },
        [&](core::UnitOfWork& uow, const core::Patient& patient) {
            if (e.lot_id && !uow.Lots().FindById(patient.organization_id, *e.lot_id)) {
                throw ValidationError("lot_id", "lot_id names no lot of this clinic");
            }
            core::AdverseEvent row = e;
            row.id = id.value_or(ctx.NewId());
            row.organization_id = patient.organization_id;
            row.patient_id = patient.id;
            row.recorded_by = ctx.Me().user.id;
            row.recorded_at_ms = ctx.Now();
            uow.AdverseEvents().Insert(row);
            AuditWrite(uow, ctx, "adverse_event.create", "adverse_event", row.id, patient.id);
            return row;
        },
        [](const core::AdverseEvent& row) { return ToJson(row); });
}

HttpResponse ListAdverseEvents(RequestContext& ctx) {
    const core::TimeRange range = RangeFromQuery(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& e :
         uow->AdverseEvents().ListForPatient(patient.organization_id, patient.id, range)) {
        out.push_back(ToJson(e));
    }
    AuditRead(ctx, "adverse_event.list", "patient", patient.id, patient.id);
    return JsonResponse(200, Page("adverse_events", out));
}

// ------------------------------------------------------------------------------- timeline

/// A timeline bound: a date is a day of the patient's zone; a timestamp names its local day.
std::optional<std::int32_t> QueryDay(const HttpRequest& request, const char* name,
                                     const std::string& zone) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) {
        return std::nullopt;
    }
    if (auto day = core::ParseDate(it->second)) {
        return day;
    }
    if (auto ms = core::ParseRfc3339(it->second)) {
        return core::LocalDay(*ms, zone);
    }
    throw ValidationError(name, std::string(name) + " must be a date YYYY-MM-DD or a timestamp");
}

HttpResponse Timeline(RequestContext& ctx) {
    const auto limit = QueryInt(ctx.request, "limit", 1, 1000).value_or(200);
    const auto offset = QueryInt(ctx.request, "cursor", 0, 100000000).value_or(0);
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient = RequirePatient(*uow, ctx, PatientOf(ctx), PatientAccess::kRead);
    const std::string zone = core::IsValidTimeZone(patient.timezone) ? patient.timezone : "UTC";
    TimelineInput input;
    input.patient_id = patient.id;
    input.timezone = zone;
    const std::int32_t today = core::LocalDay(ctx.Now(), zone);
    const auto to_day = QueryDay(ctx.request, "to", zone);
    const auto from_day = QueryDay(ctx.request, "from", zone);
    input.to_day = to_day.value_or(today);
    input.from_day = from_day.value_or(input.to_day - 29);
    if (input.to_day < input.from_day) {
        throw ValidationError("to", "to must not be before from");
    }
    if (input.to_day - input.from_day + 1 > kMaxTimelineDays) {
        throw ValidationError(
            "from", "a timeline spans at most " + std::to_string(kMaxTimelineDays) + " days");
    }
    core::TimeRange range;
    range.from_ms = core::LocalDayStartMs(input.from_day, zone);
    range.to_ms = core::LocalDayStartMs(input.to_day + 1, zone);
    range.limit = 1000000;
    const std::string& org = patient.organization_id;
    input.doses = uow->Doses().ListForPatient(org, patient.id, range);
    input.assessments = uow->Assessments().ListForPatient(org, patient.id, "", range);
    input.substance_uses = uow->SubstanceUses().ListForPatient(org, patient.id, range);
    input.adverse_events = uow->AdverseEvents().ListForPatient(org, patient.id, range);
    input.medications = uow->Medications().ListForPatient(org, patient.id, false);
    input.limit = static_cast<std::size_t>(limit);
    input.offset = static_cast<std::size_t>(offset);
    uow.reset();
    AuditRead(ctx, "timeline.read", "patient", patient.id, patient.id);
    HttpResponse response;
    response.status = 200;
    response.body = BuildTimeline(input);
    return response;
}

}  // namespace

void AddClinicalRoutes(Router& router) {
    const Json any = s::AnyObject();
    const Json lot_schema = s::Obj({{"id", s::Str("uuid")},
                                    {"product_id", s::Str("uuid")},
                                    {"code", s::Str()},
                                    {"assay", s::AnyObject()}},
                                   {"id", "product_id", "code", "assay"}, false);
    const std::vector<std::string> range_query = {"from", "to", "limit", "include_deleted"};

    router.Add({"GET",
                "/api/v1/products",
                Access::kSignedIn,
                ListProducts,
                {"Products of the clinic", "products", nullptr,
                 s::Obj({{"products", s::Array(ProductSchema())}}, {}, false)}});
    router.Add(
        {"POST",
         "/api/v1/products",
         Access::kSignedIn,
         CreateProduct,
         {"Register a product (clinicians, admins); idempotent by id", "products",
          s::Obj(
              {{"id", s::Str("uuid")},
               {"name", s::Str()},
               {"vendor", s::Str()},
               {"form", s::Enum({"leaf_powder", "capsule", "liquid_extract", "tablet", "other"})},
               {"serving", s::Obj({{"amount", s::Num()}, {"unit", s::Str()}}, {"amount", "unit"})},
               {"grams_per_unit", s::Num()},
               {"label", s::Obj({{"mitragynine_mg_per_g", s::Num()},
                                 {"hydroxymitragynine_mg_per_g", s::Num()},
                                 {"mitragynine_mg_per_unit", s::Num()},
                                 {"hydroxymitragynine_mg_per_unit", s::Num()},
                                 {"declares_synthetic_alkaloids", s::Bool()},
                                 {"declares_controlled_substances", s::Bool()}})}},
              {"name", "form"}),
          ProductSchema(), 201}});
    router.Add({"GET",
                "/api/v1/products/{id}",
                Access::kSignedIn,
                GetProduct,
                {"One product", "products", nullptr, ProductSchema()}});
    router.Add({"GET",
                "/api/v1/products/{id}/lots",
                Access::kSignedIn,
                ListLots,
                {"Lots of a product, each with its assay", "products", nullptr,
                 s::Obj({{"lots", s::Array(lot_schema)}}, {}, false)}});
    router.Add({"POST",
                "/api/v1/products/{id}/lots",
                Access::kSignedIn,
                CreateLot,
                {"Register a lot with its lab assay (COA; docs/coa-format.md)", "products",
                 s::Obj({{"id", s::Str("uuid")}, {"code", s::Str()}, {"assay", s::AnyObject()}},
                        {"code", "assay"}),
                 lot_schema, 201}});
    router.Add({"GET",
                "/api/v1/products/{id}/lots/{lot}",
                Access::kSignedIn,
                GetLot,
                {"One lot", "products", nullptr, lot_schema}});
    router.Add({"GET",
                "/api/v1/products/{id}/lots/{lot}/compliance",
                Access::kSignedIn,
                LotCompliance,
                {"Standards check of a lot (KCPA, USP <2232>, microbial, label; opt-in "
                 "jurisdiction rules, comma-separated)",
                 "products",
                 nullptr,
                 s::Obj({{"passes", s::Nullable(s::Bool())}, {"findings", s::Array(any)}},
                        {"passes", "findings"}, false),
                 200,
                 {"daily_intake_g", "jurisdiction_rules"}}});

    router.Add({"GET",
                "/api/v1/instruments",
                Access::kSignedIn,
                ListInstruments,
                {"Assessment instruments (items, ranges, scoring, bands, citations)", "assessments",
                 nullptr, s::Obj({{"instruments", s::Array(any)}}, {}, false)}});
    router.Add({"GET",
                "/api/v1/instruments/{id}",
                Access::kSignedIn,
                GetInstrument,
                {"One instrument definition", "assessments", nullptr, any}});

    const Json dose_in = s::Obj({{"id", s::Str("uuid")},
                                 {"taken_at", s::Str("date-time")},
                                 {"product_id", s::Str("uuid")},
                                 {"lot_id", s::Str("uuid")},
                                 {"amount", s::Num()},
                                 {"unit", s::Enum({"g", "capsule", "tablet", "ml"})}},
                                {"amount", "unit"});
    router.Add({"POST",
                "/api/v1/patients/{pid}/doses",
                Access::kSignedIn,
                CreateDose,
                {"Log a dose; normalised to mg mitragynine and 7-OH with its derivation; "
                 "idempotent by id or Idempotency-Key",
                 "doses", dose_in, DoseSchema(), 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/doses",
                Access::kSignedIn,
                ListDoses,
                {"The patient's doses", "doses", nullptr,
                 s::Obj({{"doses", s::Array(DoseSchema())}}, {}, false), 200, range_query}});
    router.Add(
        {"POST",
         "/api/v1/patients/{pid}/doses/repeat-last",
         Access::kSignedIn,
         RepeatLastDose,
         {"\"Same as last time\": repeats the last dose now (or at taken_at)", "doses",
          s::Obj({{"id", s::Str("uuid")}, {"taken_at", s::Str("date-time")}}), DoseSchema(), 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/doses/{id}",
                Access::kSignedIn,
                GetDose,
                {"One dose with its edit history", "doses", nullptr, any}});
    router.Add({"PATCH",
                "/api/v1/patients/{pid}/doses/{id}",
                Access::kSignedIn,
                PatchDose,
                {"Correct a dose; the previous value is kept", "doses",
                 s::Obj({{"taken_at", s::Str("date-time")},
                         {"product_id", s::Str("uuid")},
                         {"lot_id", s::Nullable(s::Str("uuid"))},
                         {"amount", s::Num()},
                         {"unit", s::Enum({"g", "capsule", "tablet", "ml"})}}),
                 DoseSchema()}});
    router.Add(
        {"DELETE",
         "/api/v1/patients/{pid}/doses/{id}",
         Access::kSignedIn,
         DeleteDose,
         {"Withdraw a dose as entered in error (kept, marked)", "doses", nullptr, DoseSchema()}});

    const Json assessment_out = s::Obj({{"id", s::Str("uuid")},
                                        {"instrument", s::Str()},
                                        {"instrument_version", s::Str()},
                                        {"taken_at", s::Str("date-time")},
                                        {"responses", s::AnyObject()},
                                        {"total", s::Num()},
                                        {"band", s::Nullable(s::AnyObject())},
                                        {"administered_by", s::Str("uuid")}},
                                       {"id", "instrument", "total", "band"}, false);
    router.Add({"POST",
                "/api/v1/patients/{pid}/assessments",
                Access::kSignedIn,
                CreateAssessment,
                {"Record a completed scale; scored with its band; idempotent by id. "
                 "Clinician-rated instruments from a patient: 403 (field instrument)",
                 "assessments",
                 s::Obj({{"id", s::Str("uuid")},
                         {"instrument", s::Str()},
                         {"taken_at", s::Str("date-time")},
                         {"responses", s::AnyObject()},
                         {"solely_under_medical_supervision", s::Bool()}},
                        {"instrument", "responses"}),
                 assessment_out, 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/assessments",
                Access::kSignedIn,
                ListAssessments,
                {"The patient's assessments",
                 "assessments",
                 nullptr,
                 s::Obj({{"assessments", s::Array(assessment_out)}}, {}, false),
                 200,
                 {"instrument", "from", "to", "limit", "include_deleted"}}});

    router.Add(
        {"POST",
         "/api/v1/patients/{pid}/substance-use",
         Access::kSignedIn,
         CreateSubstanceUse,
         {"Record other substance use; idempotent by id", "substance use",
          s::Obj({{"id", s::Str("uuid")},
                  {"taken_at", s::Str("date-time")},
                  {"substance_class", s::Enum({"opioid", "benzodiazepine", "alcohol",
                                               "gabapentinoid", "stimulant", "cannabis", "other"})},
                  {"substance", s::Str()},
                  {"amount", s::Num()},
                  {"unit", s::Str()}},
                 {"substance_class"}),
          any, 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/substance-use",
                Access::kSignedIn,
                ListSubstanceUse,
                {"The patient's other substance use", "substance use", nullptr,
                 s::Obj({{"substance_use", s::Array(any)}}, {}, false), 200, range_query}});
    router.Add(
        {"POST",
         "/api/v1/patients/{pid}/medications",
         Access::kSignedIn,
         CreateMedication,
         {"Record a medication; matched against data/drugs (drug and classes)", "medications",
          s::Obj({{"id", s::Str("uuid")},
                  {"name", s::Str()},
                  {"started_on", s::Str("date")},
                  {"stopped_on", s::Str("date")}},
                 {"name", "started_on"}),
          any, 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/medications",
                Access::kSignedIn,
                ListMedications,
                {"The patient's medications, current and stopped", "medications", nullptr,
                 s::Obj({{"medications", s::Array(any)}}, {}, false)}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/medications/{id}",
                Access::kSignedIn,
                GetMedication,
                {"One medication with its edit history", "medications", nullptr, any}});
    router.Add({"PATCH",
                "/api/v1/patients/{pid}/medications/{id}",
                Access::kSignedIn,
                PatchMedication,
                {"Correct a medication or record its stop date (stopped_on: null clears it); "
                 "the previous value is kept",
                 "medications",
                 s::Obj({{"name", s::Str()},
                         {"started_on", s::Str("date")},
                         {"stopped_on", s::Nullable(s::Str("date"))}}),
                 any}});
    router.Add({"DELETE",
                "/api/v1/patients/{pid}/medications/{id}",
                Access::kSignedIn,
                DeleteMedication,
                {"Withdraw a medication entered in error (kept, never deleted)", "medications",
                 nullptr, any}});
    router.Add({"POST",
                "/api/v1/patients/{pid}/adverse-events",
                Access::kSignedIn,
                CreateAdverseEvent,
                {"Record an adverse event; idempotent by id", "adverse events",
                 s::Obj({{"id", s::Str("uuid")},
                         {"onset_at", s::Str("date-time")},
                         {"description", s::Str()},
                         {"terms", s::Array(s::Str())},
                         {"serious", s::Bool()},
                         {"lot_id", s::Str("uuid")}},
                        {"onset_at", "description", "serious"}),
                 any, 201}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/adverse-events",
                Access::kSignedIn,
                ListAdverseEvents,
                {"The patient's adverse events", "adverse events", nullptr,
                 s::Obj({{"adverse_events", s::Array(any)}}, {}, false), 200, range_query}});
    router.Add({"GET",
                "/api/v1/patients/{pid}/timeline",
                Access::kSignedIn,
                Timeline,
                {"Daily aggregates in the patient's time zone, and the raw events (paged)",
                 "timeline",
                 nullptr,
                 s::Obj({{"days", s::Array(any)},
                         {"events", s::Array(any)},
                         {"next_cursor", s::Nullable(s::Str())}},
                        {"days", "events"}, false),
                 200,
                 {"from", "to", "limit", "cursor"}}});

    // These answer without waiting for earlier writes' safety evaluations: they only write
    // facts and queue their own (EvaluateAfterCommit).
    for (const auto& [method, pattern] : std::initializer_list<std::pair<const char*, const char*>>{
             {"POST", "/api/v1/patients/{pid}/doses"},
             {"POST", "/api/v1/patients/{pid}/doses/repeat-last"},
             {"PATCH", "/api/v1/patients/{pid}/doses/{id}"},
             {"DELETE", "/api/v1/patients/{pid}/doses/{id}"},
             {"POST", "/api/v1/patients/{pid}/assessments"},
             {"POST", "/api/v1/patients/{pid}/substance-use"},
             {"POST", "/api/v1/patients/{pid}/medications"},
             {"PATCH", "/api/v1/patients/{pid}/medications/{id}"},
             {"DELETE", "/api/v1/patients/{pid}/medications/{id}"},
             {"POST", "/api/v1/patients/{pid}/adverse-events"}}) {
        router.MarkWritesFacts(method, pattern);
    }
}

}  // namespace mitra::api
