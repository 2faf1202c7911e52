// Conformance of the supervision ports: alerts and taper plans (every backend).

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"

namespace mitra::storage {
namespace {

using core::TxMode;

constexpr const char* kOrg = "01900000-0000-7000-8000-00000000d001";
constexpr const char* kOtherOrg = "01900000-0000-7000-8000-00000000d0ff";
constexpr const char* kUser = "01900000-0000-7000-8000-00000000d002";
constexpr const char* kPatient = "01900000-0000-7000-8000-00000000d003";

void SeedSupervision(core::Storage& storage) {
    auto uow = storage.Begin(TxMode::kWrite);
    uow->Organizations().Insert({kOrg, "Clinic D", false, 1});
    uow->Organizations().Insert({kOtherOrg, "Clinic E", false, 1});
    uow->Users().Insert({kUser, kOrg, "d@example.org", core::Role::kPatient, "h", "", false,
                         std::string(kPatient), false, 1});
    uow->Patients().Insert({kPatient, kOrg, kUser, "", "UTC", "", std::nullopt, 1, 1});
    uow->Commit();
}

core::Alert MakeAlert(const std::string& id, const std::string& key, std::int64_t t) {
    core::Alert a;
    a.id = id;
    a.organization_id = kOrg;
    a.patient_id = kPatient;
    a.rule_id = "dose-amount-high";
    a.severity = "warning";
    a.condition_key = key;
    a.message = "clinician text";
    a.patient_text = "patient text";
    a.clinician_text = "clinician text";
    a.evidence_json = R"({"evidence":{"amount_g":6}})";
    a.citations_json = R"([{"text":"Grundmann 2017","evidence":"V"}])";
    a.created_at_ms = t;
    return a;
}

core::TaperPlanRecord MakePlan(const std::string& id, int version, std::int64_t t) {
    core::TaperPlanRecord p;
    p.id = id;
    p.organization_id = kOrg;
    p.patient_id = kPatient;
    p.version = version;
    p.method = "linear";
    p.parameters_json = R"({"step_percent":10})";
    p.schedule_json = R"({"schedule":[]})";
    p.created_by = kUser;
    p.created_at_ms = t;
    p.updated_at_ms = t;
    return p;
}

TEST_P(StorageConformanceTest, AlertsRoundTripAndLifecycle) {
    SeedSupervision(*storage_);
    const std::string id = "01900000-0000-7000-8000-00000000da01";
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Alerts().Insert(MakeAlert(id, "dose-amount-high:week-of-2026-01-05", 10));
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kWrite);
    auto alert = uow->Alerts().FindById(kOrg, id);
    ASSERT_TRUE(alert.has_value());
    EXPECT_EQ(alert->status, core::AlertStatus::kOpen);
    EXPECT_EQ(alert->condition_key, "dose-amount-high:week-of-2026-01-05");
    EXPECT_EQ(alert->citations_json, R"([{"text":"Grundmann 2017","evidence":"V"}])");
    EXPECT_FALSE(alert->acknowledged_by.has_value());
    EXPECT_FALSE(uow->Alerts().FindById(kOtherOrg, id).has_value()) << "scoped by organization";

    alert->status = core::AlertStatus::kAcknowledged;
    alert->acknowledged_by = kUser;
    alert->acknowledged_at_ms = 20;
    alert->note = "called the patient";
    alert->message = "must not change";
    uow->Alerts().Update(*alert);
    auto after = uow->Alerts().FindById(kOrg, id);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->status, core::AlertStatus::kAcknowledged);
    EXPECT_EQ(after->note, std::optional<std::string>("called the patient"));
    EXPECT_EQ(after->acknowledged_at_ms, std::optional<std::int64_t>(20));
    EXPECT_EQ(after->message, "clinician text") << "Update changes only the lifecycle";
    EXPECT_EQ(uow->Alerts().ListForPatient(kOrg, kPatient).size(), 1u);
    EXPECT_EQ(uow->Alerts().ConditionKeys(kOrg, kPatient),
              std::vector<std::string>{"dose-amount-high:week-of-2026-01-05"});
}

TEST_P(StorageConformanceTest, AlertConditionKeyIsUniquePerPatient) {
    SeedSupervision(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Alerts().Insert(
            MakeAlert("01900000-0000-7000-8000-00000000da02", "pregnancy:pregnant", 1));
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kWrite);
    EXPECT_THROW(uow->Alerts().Insert(
                     MakeAlert("01900000-0000-7000-8000-00000000da03", "pregnancy:pregnant", 2)),
                 ConflictError);
}

TEST_P(StorageConformanceTest, AlertOpenCountsBySeverityCountOnlyOpenAlerts) {
    SeedSupervision(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Alerts().Insert(MakeAlert("01900000-0000-7000-8000-00000000da11", "k1", 1));
        uow->Alerts().Insert(MakeAlert("01900000-0000-7000-8000-00000000da12", "k2", 2));
        auto urgent = MakeAlert("01900000-0000-7000-8000-00000000da13", "k3", 3);
        urgent.severity = "urgent";
        uow->Alerts().Insert(urgent);
        auto done = MakeAlert("01900000-0000-7000-8000-00000000da14", "k4", 4);
        done.severity = "high";
        uow->Alerts().Insert(done);
        done.status = core::AlertStatus::kAcknowledged;
        uow->Alerts().Update(done);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    const auto counts = uow->Alerts().OpenCounts(kOrg);
    ASSERT_EQ(counts.size(), 2u);  // ordered by patient, then severity text
    EXPECT_EQ(counts[0].patient_id, kPatient);
    EXPECT_EQ(counts[0].severity, "urgent");
    EXPECT_EQ(counts[0].count, 1);
    EXPECT_EQ(counts[1].severity, "warning");
    EXPECT_EQ(counts[1].count, 2);
    EXPECT_TRUE(uow->Alerts().OpenCounts(kOtherOrg).empty()) << "scoped by organization";
}

TEST_P(StorageConformanceTest, TaperPlansVersionsAndActive) {
    SeedSupervision(*storage_);
    const std::string v1 = "01900000-0000-7000-8000-00000000db01";
    const std::string v2 = "01900000-0000-7000-8000-00000000db02";
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->TaperPlans().Insert(MakePlan(v1, 1, 5));
        auto second = MakePlan(v2, 2, 6);
        second.supersedes_id = v1;
        uow->TaperPlans().Insert(second);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kWrite);
    EXPECT_FALSE(uow->TaperPlans().FindActive(kOrg, kPatient).has_value());
    auto plan = uow->TaperPlans().FindById(kOrg, v2);
    ASSERT_TRUE(plan.has_value());
    EXPECT_EQ(plan->version, 2);
    EXPECT_EQ(plan->supersedes_id, std::optional<std::string>(v1));
    EXPECT_EQ(plan->status, core::TaperPlanStatus::kDraft);
    EXPECT_EQ(plan->holds_json, "[]");
    plan->status = core::TaperPlanStatus::kActive;
    plan->approved_by = kUser;
    plan->approved_at_ms = 7;
    plan->holds_json = R"([{"start_date":20000}])";
    plan->updated_at_ms = 8;
    uow->TaperPlans().Update(*plan);
    auto active = uow->TaperPlans().FindActive(kOrg, kPatient);
    ASSERT_TRUE(active.has_value());
    EXPECT_EQ(active->id, v2);
    EXPECT_EQ(active->holds_json, R"([{"start_date":20000}])");
    EXPECT_EQ(active->approved_by, std::optional<std::string>(kUser));
    const auto all = uow->TaperPlans().ListForPatient(kOrg, kPatient);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, v1);
    EXPECT_TRUE(uow->TaperPlans().ListForPatient(kOtherOrg, kPatient).empty());
}

}  // namespace
}  // namespace mitra::storage
