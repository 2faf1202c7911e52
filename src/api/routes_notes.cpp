// Clinical notes routes: free text clinicians write on a patient's record.
//
// Notes are append-only: nothing edits or deletes one; a correction is a new note whose
// `amends` names an earlier note of the same patient, which stays. A clinician under the
// patient's active care consent reads and writes; the patient reads their own notes (open
// notes) but cannot write; other roles get the answers of every patient endpoint.
//
// Writes are idempotent by client id (body "id" or the Idempotency-Key header, a UUID), as
// doses are: the same id with the same content answers 200 with the stored note and stores
// nothing; the same id with different content answers 409 naming "id".

#include <algorithm>
#include <cctype>
#include <map>

#include "api/access.hpp"
#include "api/accounts.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

namespace s = schema;

/// Longest note, in characters (Unicode code points). An engineering bound, not clinical.
constexpr std::size_t kMaxNoteChars = 10000;
/// A UTF-8 character takes at most 4 bytes: the byte bound ObjectReader enforces first.
constexpr std::size_t kMaxNoteBytes = 4 * kMaxNoteChars;
constexpr long long kMaxListLimit = 10000;
constexpr int kDefaultListLimit = 1000;

struct NoteRequest {
    std::optional<std::string> id;
    std::string text;
    std::optional<std::string> amends;
};

bool IsBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// The note text, trimmed; required, non-empty, at most kMaxNoteChars characters, no control
/// characters other than tab and line breaks. (The body was checked as UTF-8 when parsed.)
std::string ReadNoteText(ObjectReader& in) {
    const std::string raw = in.RequireString("text", kMaxNoteBytes);
    const auto first = std::find_if_not(raw.begin(), raw.end(), IsBlank);
    const auto last = std::find_if_not(raw.rbegin(), raw.rend(), IsBlank).base();
    if (first >= last) {
        throw ValidationError("text", "text must not be empty");
    }
    std::string text(first, last);
    std::size_t chars = 0;
    for (unsigned char c : text) {
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            throw ValidationError("text", "text must not contain control characters");
        }
        if ((c & 0xC0) != 0x80) {  // not a continuation byte: a new character starts
            ++chars;
        }
    }
    if (chars > kMaxNoteChars) {
        throw ValidationError("text", "text is longer than " + std::to_string(kMaxNoteChars) +
                                          " characters");
    }
    return text;
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
        QueryInt(request, "limit", 1, kMaxListLimit).value_or(kDefaultListLimit));
    return range;
}

/// Maps notes to JSON with their authors' accounts and the later notes amending them.
class NoteWriter {
public:
    NoteWriter(core::UnitOfWork& uow, const core::Patient& patient) : uow_(uow) {
        for (const auto& link :
             uow.Notes().ListAmendments(patient.organization_id, patient.id)) {
            amended_by_[link.amended_id].push_back(link.note_id);
        }
    }

    Json ToJson(const core::ClinicalNote& n) {
        const core::User* author = Author(n.organization_id, n.author_id);
        Json amended_by = Json::array();
        if (auto it = amended_by_.find(n.id); it != amended_by_.end()) {
            amended_by = it->second;
        }
        return {{"id", n.id},
                {"patient_id", n.patient_id},
                {"text", n.text},
                {"created_at", core::FormatRfc3339(n.created_at_ms)},
                {"author", n.author_id},
                {"author_email", author != nullptr ? Json(author->email) : Json(nullptr)},
                {"author_role",
                 author != nullptr ? Json(core::RoleName(author->role)) : Json(nullptr)},
                {"amends", n.amends_id ? Json(*n.amends_id) : Json(nullptr)},
                {"amended_by", amended_by}};
    }

private:
    const core::User* Author(const std::string& org_id, const std::string& user_id) {
        auto it = authors_.find(user_id);
        if (it == authors_.end()) {
            it = authors_.emplace(user_id, uow_.Users().FindById(org_id, user_id)).first;
        }
        return it->second ? &*it->second : nullptr;
    }

    core::UnitOfWork& uow_;
    std::map<std::string, std::vector<std::string>> amended_by_;
    std::map<std::string, std::optional<core::User>> authors_;
};

[[noreturn]] void IdTaken() {
    throw ConflictError("this id already names a different note", "id");
}

bool SameNote(const core::ClinicalNote& stored, const core::Patient& patient,
              const std::string& author_id, const NoteRequest& r) {
    return stored.patient_id == patient.id && stored.author_id == author_id &&
           stored.text == r.text && stored.amends_id == r.amends;
}

HttpResponse CreateNote(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    NoteRequest r;
    r.id = ClientId(ctx.request, in);
    r.text = ReadNoteText(in);
    r.amends = in.OptionalId("amends");
    in.Finish();

    auto store = [&]() -> HttpResponse {
        auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
        const core::Patient patient =
            RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kWrite);
        const std::string& org_id = patient.organization_id;
        if (r.id) {
            if (auto existing = uow->Notes().FindById(org_id, *r.id)) {
                if (!SameNote(*existing, patient, ctx.Me().user.id, r)) {
                    IdTaken();
                }
                NoteWriter writer(*uow, patient);
                return JsonResponse(200, writer.ToJson(*existing));
            }
        }
        if (r.amends) {
            auto earlier = uow->Notes().FindById(org_id, *r.amends);
            if (!earlier || earlier->patient_id != patient.id) {
                throw ValidationError("amends", "amends names no note of this patient");
            }
        }
        core::ClinicalNote note;
        note.id = r.id.value_or(ctx.NewId());
        note.organization_id = org_id;
        note.patient_id = patient.id;
        note.author_id = ctx.Me().user.id;
        note.text = r.text;
        note.amends_id = r.amends;
        note.created_at_ms = ctx.Now();
        uow->Notes().Insert(note);
        AuditWrite(*uow, ctx, r.amends ? "note.amend" : "note.create", "note", note.id,
                   patient.id);
        NoteWriter writer(*uow, patient);
        Json out = writer.ToJson(note);
        uow->Commit();
        return JsonResponse(201, out);
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

HttpResponse ListNotes(RequestContext& ctx) {
    const core::TimeRange range = RangeFromQuery(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    NoteWriter writer(*uow, patient);
    Json out = Json::array();
    for (const auto& n :
         uow->Notes().ListForPatient(patient.organization_id, patient.id, range)) {
        out.push_back(writer.ToJson(n));
    }
    AuditRead(ctx, "note.list", "patient", patient.id, patient.id);
    return JsonResponse(200, {{"notes", out}});
}

Json NoteSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"patient_id", s::Str("uuid")},
                   {"text", s::Str()},
                   {"created_at", s::Str("date-time")},
                   {"author", s::Str("uuid")},
                   {"author_email", s::Nullable(s::Str("email"))},
                   {"author_role", s::Nullable(s::Str())},
                   {"amends", s::Nullable(s::Str("uuid"))},
                   {"amended_by", s::Array(s::Str("uuid"))}},
                  {"id", "patient_id", "text", "created_at", "author", "amends", "amended_by"},
                  false);
}

Json NoteRequestSchema() {
    Json text = s::Str();
    text["minLength"] = 1;
    text["maxLength"] = kMaxNoteChars;
    return s::Obj({{"id", s::Str("uuid")}, {"text", text}, {"amends", s::Str("uuid")}},
                  {"text"});
}

}  // namespace

void AddNoteRoutes(Router& router) {
    router.Add({"GET", "/api/v1/patients/{pid}/notes", Access::kSignedIn, ListNotes,
                {"Clinical notes on the patient's record, newest first, with their authors and "
                 "amendments (clinicians under care consent; the patient reads their own)",
                 "notes", nullptr, s::Obj({{"notes", s::Array(NoteSchema())}}, {"notes"}, false),
                 200, {"from", "to", "limit"}}});
    router.Add({"POST", "/api/v1/patients/{pid}/notes", Access::kSignedIn, CreateNote,
                {"Add a note (clinicians under care consent). Append-only: to correct a note, "
                 "add one that amends it. The same id again stores nothing and answers 200 "
                 "with the stored note; with other content, 409",
                 "notes", NoteRequestSchema(), NoteSchema(), 201}});
}

}  // namespace mitra::api
