#include "storage/sqlite/supervision_repos.hpp"

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/supervision_queries.hpp"

namespace mitra::storage::sqlite {
namespace {

using core::Alert;
using core::TaperPlanRecord;

core::AlertStatus AlertStatusOf(const std::string& text) {
    auto status = core::ParseAlertStatus(text);
    if (!status) {
        throw InternalError("stored alert status is unknown: " + text);
    }
    return *status;
}

core::TaperPlanStatus PlanStatusOf(const std::string& text) {
    auto status = core::ParseTaperPlanStatus(text);
    if (!status) {
        throw InternalError("stored taper plan status is unknown: " + text);
    }
    return *status;
}

Alert ReadAlert(const Statement& st) {
    Alert a;
    a.organization_id = st.Text(0);
    a.id = st.Text(1);
    a.patient_id = st.Text(2);
    a.rule_id = st.Text(3);
    a.severity = st.Text(4);
    a.status = AlertStatusOf(st.Text(5));
    a.condition_key = st.Text(6);
    a.message = st.Text(7);
    a.patient_text = st.Text(8);
    a.clinician_text = st.Text(9);
    a.evidence_json = st.Text(10);
    a.citations_json = st.Text(11);
    a.created_at_ms = st.Int(12);
    a.acknowledged_by = st.OptText(13);
    a.acknowledged_at_ms = st.OptInt(14);
    a.note = st.OptText(15);
    a.resolved_by = st.OptText(16);
    a.resolved_at_ms = st.OptInt(17);
    return a;
}

void BindAlert(Statement& st, const Alert& a) {
    st.Bind(1, a.organization_id).Bind(2, a.id).Bind(3, a.patient_id).Bind(4, a.rule_id)
        .Bind(5, a.severity).Bind(6, core::ToString(a.status)).Bind(7, a.condition_key)
        .Bind(8, a.message).Bind(9, a.patient_text).Bind(10, a.clinician_text)
        .Bind(11, a.evidence_json).Bind(12, a.citations_json).Bind(13, a.created_at_ms)
        .Bind(14, a.acknowledged_by).Bind(15, a.acknowledged_at_ms).Bind(16, a.note)
        .Bind(17, a.resolved_by).Bind(18, a.resolved_at_ms);
}

TaperPlanRecord ReadPlan(const Statement& st) {
    TaperPlanRecord p;
    p.organization_id = st.Text(0);
    p.id = st.Text(1);
    p.patient_id = st.Text(2);
    p.version = static_cast<int>(st.Int(3));
    p.supersedes_id = st.OptText(4);
    p.method = st.Text(5);
    p.status = PlanStatusOf(st.Text(6));
    p.parameters_json = st.Text(7);
    p.schedule_json = st.Text(8);
    p.created_by = st.Text(9);
    p.approved_by = st.OptText(10);
    p.approved_at_ms = st.OptInt(11);
    p.holds_json = st.Text(12);
    p.created_at_ms = st.Int(13);
    p.updated_at_ms = st.Int(14);
    return p;
}

void BindPlan(Statement& st, const TaperPlanRecord& p) {
    st.Bind(1, p.organization_id).Bind(2, p.id).Bind(3, p.patient_id).Bind(4, p.version)
        .Bind(5, p.supersedes_id).Bind(6, p.method).Bind(7, core::ToString(p.status))
        .Bind(8, p.parameters_json).Bind(9, p.schedule_json).Bind(10, p.created_by)
        .Bind(11, p.approved_by).Bind(12, p.approved_at_ms).Bind(13, p.holds_json)
        .Bind(14, p.created_at_ms).Bind(15, p.updated_at_ms);
}

class AlertRepo final : public core::AlertRepository {
public:
    explicit AlertRepo(Connection& c) : c_(c) {}
    void Insert(const Alert& a) override {
        auto st = c_.Prepare(q::kAlertInsert);
        BindAlert(st, a);
        st.Run();
    }
    void Update(const Alert& a) override {
        auto st = c_.Prepare(q::kAlertUpdate);
        BindAlert(st, a);
        st.Run();
    }
    std::optional<Alert> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kAlertById);
        st.Bind(1, org).Bind(2, id);
        if (!st.Step()) {
            return std::nullopt;
        }
        return ReadAlert(st);
    }
    std::vector<Alert> ListForPatient(const std::string& org,
                                      const std::string& patient_id) override {
        auto st = c_.Prepare(q::kAlertsForPatient);
        st.Bind(1, org).Bind(2, patient_id);
        std::vector<Alert> out;
        while (st.Step()) {
            out.push_back(ReadAlert(st));
        }
        return out;
    }
    std::vector<std::string> ConditionKeys(const std::string& org,
                                           const std::string& patient_id) override {
        auto st = c_.Prepare(q::kAlertKeys);
        st.Bind(1, org).Bind(2, patient_id);
        std::vector<std::string> out;
        while (st.Step()) {
            out.push_back(st.Text(0));
        }
        return out;
    }

private:
    Connection& c_;
};

class TaperPlanRepo final : public core::TaperPlanRepository {
public:
    explicit TaperPlanRepo(Connection& c) : c_(c) {}
    void Insert(const TaperPlanRecord& p) override {
        auto st = c_.Prepare(q::kTaperInsert);
        BindPlan(st, p);
        st.Run();
    }
    void Update(const TaperPlanRecord& p) override {
        auto st = c_.Prepare(q::kTaperUpdate);
        BindPlan(st, p);
        st.Run();
    }
    std::optional<TaperPlanRecord> FindById(const std::string& org,
                                            const std::string& id) override {
        auto st = c_.Prepare(q::kTaperById);
        st.Bind(1, org).Bind(2, id);
        if (!st.Step()) {
            return std::nullopt;
        }
        return ReadPlan(st);
    }
    std::vector<TaperPlanRecord> ListForPatient(const std::string& org,
                                                const std::string& patient_id) override {
        auto st = c_.Prepare(q::kTapersForPatient);
        st.Bind(1, org).Bind(2, patient_id);
        std::vector<TaperPlanRecord> out;
        while (st.Step()) {
            out.push_back(ReadPlan(st));
        }
        return out;
    }
    std::optional<TaperPlanRecord> FindActive(const std::string& org,
                                              const std::string& patient_id) override {
        auto st = c_.Prepare(q::kTaperActive);
        st.Bind(1, org).Bind(2, patient_id);
        if (!st.Step()) {
            return std::nullopt;
        }
        return ReadPlan(st);
    }

private:
    Connection& c_;
};

}  // namespace

struct SupervisionRepos::Impl {
    explicit Impl(Connection& c) : alerts(c), plans(c) {}
    AlertRepo alerts;
    TaperPlanRepo plans;
};

SupervisionRepos::SupervisionRepos(Connection& connection)
    : impl_(std::make_unique<Impl>(connection)) {}
SupervisionRepos::~SupervisionRepos() = default;

core::AlertRepository& SupervisionRepos::Alerts() { return impl_->alerts; }
core::TaperPlanRepository& SupervisionRepos::TaperPlans() { return impl_->plans; }

}  // namespace mitra::storage::sqlite
