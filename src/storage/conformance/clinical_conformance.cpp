// Conformance of the clinical-record ports (every backend).

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"

namespace mitra::storage {
namespace {

using core::TxMode;

constexpr const char* kOrg = "01900000-0000-7000-8000-00000000c001";
constexpr const char* kUser = "01900000-0000-7000-8000-00000000c002";
constexpr const char* kPatient = "01900000-0000-7000-8000-00000000c003";
constexpr const char* kProduct = "01900000-0000-7000-8000-00000000c004";
constexpr const char* kLot = "01900000-0000-7000-8000-00000000c005";

class ClinicalConformance {
public:
    static void Seed(core::Storage& storage) {
        auto uow = storage.Begin(TxMode::kWrite);
        uow->Organizations().Insert({kOrg, "Clinic C", false, 1});
        uow->Users().Insert({kUser, kOrg, "c@example.org", core::Role::kPatient, "h", "", false,
                             std::string(kPatient), false, 1});
        uow->Patients().Insert({kPatient, kOrg, kUser, "", "UTC", "", std::nullopt, 1, 1});
        core::Product product;
        product.id = kProduct;
        product.organization_id = kOrg;
        product.name = "Leaf";
        product.vendor = "V";
        product.form = "leaf_powder";
        product.serving_amount = 2;
        product.serving_unit = "g";
        product.label_mitragynine_mg_per_g = 19.5;
        product.label_json = "{}";
        product.created_by = kUser;
        uow->Products().Insert(product);
        core::Lot lot{kLot, kOrg, kProduct, "A-1", 19.48, std::nullopt, R"({"x":1})", kUser, 2};
        uow->Lots().Insert(lot);
        uow->Commit();
    }

    static core::Dose MakeDose(const std::string& id, std::int64_t t) {
        core::Dose d;
        d.id = id;
        d.organization_id = kOrg;
        d.patient_id = kPatient;
        d.taken_at_ms = t;
        d.product_id = kProduct;
        d.lot_id = kLot;
        d.amount = 2;
        d.unit = "g";
        d.amount_g = 2;
        d.mitragynine_mg = 38.96;
        d.derivation_json = R"({"source":"lot_assay"})";
        d.recorded_by = kUser;
        d.recorded_at_ms = t;
        d.updated_at_ms = t;
        return d;
    }
};

std::string Id(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "01900000-0000-7000-8000-%012d", n);
    return buf;
}

TEST_P(StorageConformanceTest, ProductsAndLotsRoundTrip) {
    ClinicalConformance::Seed(*storage_);
    auto uow = storage_->Begin(TxMode::kWrite);
    auto product = uow->Products().FindById(kOrg, kProduct);
    ASSERT_TRUE(product.has_value());
    EXPECT_EQ(product->form, "leaf_powder");
    EXPECT_DOUBLE_EQ(*product->label_mitragynine_mg_per_g, 19.5);
    EXPECT_FALSE(product->grams_per_unit.has_value());
    EXPECT_EQ(uow->Products().List(kOrg).size(), 1u);
    auto lot = uow->Lots().FindByCode(kOrg, kProduct, "A-1");
    ASSERT_TRUE(lot.has_value());
    EXPECT_EQ(lot->id, kLot);
    EXPECT_EQ(lot->assay_json, R"({"x":1})");
    EXPECT_FALSE(lot->hydroxymitragynine_mg_per_g.has_value());
    core::Lot dup = *lot;
    dup.id = Id(99);
    try {
        uow->Lots().Insert(dup);
        FAIL() << "duplicate lot code accepted";
    } catch (const ConflictError& e) {
        EXPECT_EQ(e.field(), "code");
    }
}

TEST_P(StorageConformanceTest, DosesListByRangeLimitAndDeletion) {
    ClinicalConformance::Seed(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        for (int i = 0; i < 10; ++i) {
            uow->Doses().Insert(ClinicalConformance::MakeDose(Id(100 + i), 1000 * (i + 1)));
        }
        EXPECT_THROW(uow->Doses().Insert(ClinicalConformance::MakeDose(Id(100), 5)), ConflictError);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kWrite);
    core::TimeRange range{3000, 7000, 1000, false};
    auto doses = uow->Doses().ListForPatient(kOrg, kPatient, range);
    ASSERT_EQ(doses.size(), 4u);  // 3000, 4000, 5000, 6000: the window is half-open
    EXPECT_EQ(doses.front().taken_at_ms, 3000);
    EXPECT_EQ(doses.back().taken_at_ms, 6000);
    EXPECT_DOUBLE_EQ(*doses.front().mitragynine_mg, 38.96);
    EXPECT_FALSE(doses.front().hydroxymitragynine_mg.has_value());
    const auto summaries = uow->Doses().SummariesForPatient(kOrg, kPatient, range);
    ASSERT_EQ(summaries.size(), doses.size());
    for (std::size_t i = 0; i < doses.size(); ++i) {
        EXPECT_EQ(summaries[i].id, doses[i].id);
        EXPECT_EQ(summaries[i].taken_at_ms, doses[i].taken_at_ms);
        EXPECT_EQ(summaries[i].product_id, doses[i].product_id);
        EXPECT_EQ(summaries[i].lot_id, doses[i].lot_id);
        EXPECT_EQ(summaries[i].amount_g, doses[i].amount_g);
        EXPECT_EQ(summaries[i].mitragynine_mg, doses[i].mitragynine_mg);
        EXPECT_EQ(summaries[i].hydroxymitragynine_mg, doses[i].hydroxymitragynine_mg);
    }
    range.limit = 2;
    EXPECT_EQ(uow->Doses().ListForPatient(kOrg, kPatient, range).size(), 2u);
    EXPECT_EQ(uow->Doses().SummariesForPatient(kOrg, kPatient, range).size(), 2u);
    auto last = uow->Doses().LastForPatient(kOrg, kPatient);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->taken_at_ms, 10000);
    last->deleted_at_ms = 20000;
    uow->Doses().Update(*last);
    EXPECT_EQ(uow->Doses().LastForPatient(kOrg, kPatient)->taken_at_ms, 9000);
    core::TimeRange all;
    EXPECT_EQ(uow->Doses().ListForPatient(kOrg, kPatient, all).size(), 9u);
    EXPECT_EQ(uow->Doses().SummariesForPatient(kOrg, kPatient, all).size(), 9u);
    all.include_deleted = true;
    EXPECT_EQ(uow->Doses().ListForPatient(kOrg, kPatient, all).size(), 10u);
    EXPECT_EQ(uow->Doses().SummariesForPatient(kOrg, kPatient, all).size(), 10u);
    EXPECT_EQ(uow->Doses().FindById(kOrg, Id(109))->deleted_at_ms, 20000);
    EXPECT_TRUE(uow->Doses().ListForPatient("other", kPatient, all).empty());
}

TEST_P(StorageConformanceTest, AssessmentsFilterByInstrument) {
    ClinicalConformance::Seed(*storage_);
    auto uow = storage_->Begin(TxMode::kWrite);
    for (int i = 0; i < 4; ++i) {
        core::Assessment a;
        a.id = Id(200 + i);
        a.organization_id = kOrg;
        a.patient_id = kPatient;
        a.instrument = i % 2 == 0 ? "cows-11" : "craving-nrs";
        a.instrument_version = "1";
        a.taken_at_ms = 100 + i;
        a.responses_json = "{}";
        a.total = 13 + i;
        if (i == 0) {
            a.band_label = "moderate";
        }
        a.administered_by = kUser;
        a.administered_role = "clinician";
        a.recorded_at_ms = 100 + i;
        uow->Assessments().Insert(a);
    }
    const auto cows = uow->Assessments().ListForPatient(kOrg, kPatient, "cows-11", {});
    ASSERT_EQ(cows.size(), 2u);
    EXPECT_EQ(cows[0].band_label, "moderate");
    EXPECT_FALSE(cows[1].band_label.has_value());
    EXPECT_EQ(uow->Assessments().ListForPatient(kOrg, kPatient, "", {}).size(), 4u);
}

TEST_P(StorageConformanceTest, SubstanceUseMedicationsAdverseEvents) {
    ClinicalConformance::Seed(*storage_);
    auto uow = storage_->Begin(TxMode::kWrite);
    core::SubstanceUse s;
    s.id = Id(300);
    s.organization_id = kOrg;
    s.patient_id = kPatient;
    s.taken_at_ms = 50;
    s.substance_class = "alcohol";
    s.amount = 2;
    s.unit = "drinks";
    s.recorded_by = kUser;
    uow->SubstanceUses().Insert(s);
    const auto uses = uow->SubstanceUses().ListForPatient(kOrg, kPatient, {});
    ASSERT_EQ(uses.size(), 1u);
    EXPECT_EQ(uses[0].substance_class, "alcohol");
    EXPECT_FALSE(uses[0].substance.has_value());

    core::Medication m;
    m.id = Id(301);
    m.organization_id = kOrg;
    m.patient_id = kPatient;
    m.name = "Quetiapine";
    m.drug_id = "quetiapine";
    m.started_on = 20000;
    m.recorded_by = kUser;
    uow->Medications().Insert(m);
    m.stopped_on = 20010;
    uow->Medications().Update(m);
    auto meds = uow->Medications().ListForPatient(kOrg, kPatient, false);
    ASSERT_EQ(meds.size(), 1u);
    EXPECT_EQ(meds[0].stopped_on, 20010);
    EXPECT_EQ(meds[0].drug_id, "quetiapine");

    core::AdverseEvent e;
    e.id = Id(302);
    e.organization_id = kOrg;
    e.patient_id = kPatient;
    e.onset_at_ms = 70;
    e.description = "yellow eyes";
    e.terms_json = R"(["jaundice"])";
    e.serious = true;
    e.lot_id = kLot;
    e.recorded_by = kUser;
    uow->AdverseEvents().Insert(e);
    const auto events = uow->AdverseEvents().ListForPatient(kOrg, kPatient, {});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events[0].serious);
    EXPECT_EQ(events[0].lot_id, kLot);
    uow->Commit();
}

}  // namespace
}  // namespace mitra::storage
