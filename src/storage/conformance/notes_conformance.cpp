// Conformance of the clinical notes port (every backend): append-only notes, newest first,
// amendments only within one patient's record.

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"

namespace mitra::storage {
namespace {

using core::TxMode;

constexpr const char* kOrg = "01900000-0000-7000-8000-00000000e001";
constexpr const char* kOtherOrg = "01900000-0000-7000-8000-00000000e0ff";
constexpr const char* kClinician = "01900000-0000-7000-8000-00000000e002";
constexpr const char* kPatientUser = "01900000-0000-7000-8000-00000000e003";
constexpr const char* kPatient = "01900000-0000-7000-8000-00000000e004";
constexpr const char* kOtherUser = "01900000-0000-7000-8000-00000000e005";
constexpr const char* kOtherPatient = "01900000-0000-7000-8000-00000000e006";

void SeedNotes(core::Storage& storage) {
    auto uow = storage.Begin(TxMode::kWrite);
    uow->Organizations().Insert({kOrg, "Clinic N", false, 1});
    uow->Organizations().Insert({kOtherOrg, "Clinic O", false, 1});
    uow->Users().Insert({kClinician, kOrg, "n-clin@example.org", core::Role::kClinician, "h", "",
                         false, std::nullopt, false, 1});
    uow->Users().Insert({kPatientUser, kOrg, "n-p1@example.org", core::Role::kPatient, "h", "",
                         false, std::string(kPatient), false, 1});
    uow->Users().Insert({kOtherUser, kOrg, "n-p2@example.org", core::Role::kPatient, "h", "",
                         false, std::string(kOtherPatient), false, 1});
    uow->Patients().Insert({kPatient, kOrg, kPatientUser, "", "UTC", "", std::nullopt, 1, 1});
    uow->Patients().Insert({kOtherPatient, kOrg, kOtherUser, "", "UTC", "", std::nullopt, 1, 1});
    uow->Commit();
}

core::ClinicalNote MakeNote(const std::string& id, const std::string& patient, std::int64_t t,
                            const std::string& text) {
    core::ClinicalNote n;
    n.id = id;
    n.organization_id = kOrg;
    n.patient_id = patient;
    n.author_id = kClinician;
    n.text = text;
    n.created_at_ms = t;
    return n;
}

std::string NoteId(int n) {
    std::string tail = std::to_string(n);
    return "01900000-0000-7000-8000-" + std::string(12 - tail.size(), '0') + tail;
}

TEST_P(StorageConformanceTest, NotesRoundTripNewestFirstWithinRange) {
    SeedNotes(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Notes().Insert(MakeNote(NoteId(1), kPatient, 100, "first visit\nline two"));
        uow->Notes().Insert(MakeNote(NoteId(2), kPatient, 300, "third"));
        uow->Notes().Insert(MakeNote(NoteId(3), kPatient, 200, "second, \u00e9t\u00e9 \u2713"));
        uow->Notes().Insert(MakeNote(NoteId(4), kOtherPatient, 250, "other patient"));
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    auto note = uow->Notes().FindById(kOrg, NoteId(3));
    ASSERT_TRUE(note.has_value());
    EXPECT_EQ(note->patient_id, kPatient);
    EXPECT_EQ(note->author_id, kClinician);
    EXPECT_EQ(note->text, "second, \u00e9t\u00e9 \u2713") << "UTF-8 kept byte for byte";
    EXPECT_EQ(note->created_at_ms, 200);
    EXPECT_FALSE(note->amends_id.has_value());
    EXPECT_FALSE(uow->Notes().FindById(kOtherOrg, NoteId(3)).has_value())
        << "scoped by organization";
    EXPECT_EQ(uow->Notes().FindById(kOrg, NoteId(1))->text, "first visit\nline two");

    const auto all = uow->Notes().ListForPatient(kOrg, kPatient, {});
    ASSERT_EQ(all.size(), 3u) << "only this patient's notes";
    EXPECT_EQ(all[0].id, NoteId(2)) << "newest first";
    EXPECT_EQ(all[1].id, NoteId(3));
    EXPECT_EQ(all[2].id, NoteId(1));

    core::TimeRange range;
    range.from_ms = 200;  // inclusive
    range.to_ms = 300;    // exclusive
    const auto window = uow->Notes().ListForPatient(kOrg, kPatient, range);
    ASSERT_EQ(window.size(), 1u);
    EXPECT_EQ(window[0].id, NoteId(3));

    core::TimeRange newest;
    newest.limit = 2;
    const auto page = uow->Notes().ListForPatient(kOrg, kPatient, newest);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].id, NoteId(2)) << "the limit keeps the newest";
    EXPECT_EQ(page[1].id, NoteId(3));
    EXPECT_TRUE(uow->Notes().ListForPatient(kOtherOrg, kPatient, {}).empty());
}

TEST_P(StorageConformanceTest, NoteIdsAreUniqueAndTextIsRequired) {
    SeedNotes(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Notes().Insert(MakeNote(NoteId(10), kPatient, 1, "kept"));
        uow->Commit();
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        EXPECT_THROW(uow->Notes().Insert(MakeNote(NoteId(10), kPatient, 2, "again")),
                     ConflictError);
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        EXPECT_THROW(uow->Notes().Insert(MakeNote(NoteId(11), kPatient, 2, "")), ConflictError);
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_EQ(uow->Notes().FindById(kOrg, NoteId(10))->text, "kept") << "nothing overwritten";
    EXPECT_FALSE(uow->Notes().FindById(kOrg, NoteId(11)).has_value());
}

TEST_P(StorageConformanceTest, NoteAmendsOnlyAnEarlierNoteOfTheSamePatient) {
    SeedNotes(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Notes().Insert(MakeNote(NoteId(20), kPatient, 1, "original"));
        uow->Notes().Insert(MakeNote(NoteId(21), kOtherPatient, 1, "someone else"));
        auto fix = MakeNote(NoteId(22), kPatient, 2, "correction");
        fix.amends_id = NoteId(20);
        uow->Notes().Insert(fix);
        uow->Commit();
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        auto cross = MakeNote(NoteId(23), kPatient, 3, "amends another patient's note");
        cross.amends_id = NoteId(21);
        EXPECT_THROW(uow->Notes().Insert(cross), ConflictError);
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        auto unknown = MakeNote(NoteId(24), kPatient, 3, "amends nothing");
        unknown.amends_id = NoteId(99);
        EXPECT_THROW(uow->Notes().Insert(unknown), ConflictError);
    }
    auto uow = storage_->Begin(TxMode::kRead);
    auto fix = uow->Notes().FindById(kOrg, NoteId(22));
    ASSERT_TRUE(fix.has_value());
    EXPECT_EQ(fix->amends_id, std::optional<std::string>(NoteId(20)));
    EXPECT_EQ(uow->Notes().FindById(kOrg, NoteId(20))->text, "original") << "the original stays";
    const auto links = uow->Notes().ListAmendments(kOrg, kPatient);
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].note_id, NoteId(22));
    EXPECT_EQ(links[0].amended_id, NoteId(20));
    EXPECT_TRUE(uow->Notes().ListAmendments(kOrg, kOtherPatient).empty());
    EXPECT_EQ(uow->Notes().ListForPatient(kOrg, kPatient, {}).size(), 2u)
        << "the failed inserts stored nothing";
}

}  // namespace
}  // namespace mitra::storage
