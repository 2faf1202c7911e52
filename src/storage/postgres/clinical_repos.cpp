#include "storage/postgres/clinical_repos.hpp"
// Mirrors storage/sqlite/clinical_repos.cpp over the PostgreSQL Statement (same interface).

#include "core/error.hpp"
#include "storage/postgres/clinical_queries.hpp"
#include "storage/postgres/connection.hpp"

namespace mitra::storage::postgres {
namespace {

using core::AdverseEvent;
using core::Assessment;
using core::Dose;
using core::Lot;
using core::Medication;
using core::Product;
using core::SubstanceUse;
using core::TimeRange;

std::optional<std::int64_t> OptInt32(const std::optional<std::int32_t>& value) {
    if (!value) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(*value);
}

template <typename T, typename Reader>
std::optional<T> One(Statement& st, Reader read) {
    if (!st.Step()) {
        return std::nullopt;
    }
    return read(st);
}

template <typename T, typename Reader>
std::vector<T> All(Statement& st, Reader read) {
    std::vector<T> out;
    while (st.Step()) {
        out.push_back(read(st));
    }
    return out;
}

Product ReadProduct(const Statement& st) {
    Product p;
    p.organization_id = st.Text(0);
    p.id = st.Text(1);
    p.name = st.Text(2);
    p.vendor = st.Text(3);
    p.form = st.Text(4);
    p.serving_amount = st.Real(5);
    p.serving_unit = st.Text(6);
    p.grams_per_unit = st.OptReal(7);
    p.label_mitragynine_mg_per_g = st.OptReal(8);
    p.label_hydroxymitragynine_mg_per_g = st.OptReal(9);
    p.label_json = st.Text(10);
    p.created_by = st.Text(11);
    p.created_at_ms = st.Int(12);
    p.updated_at_ms = st.Int(13);
    return p;
}

void BindProduct(Statement& st, const Product& p) {
    st.Bind(1, p.organization_id).Bind(2, p.id).Bind(3, p.name).Bind(4, p.vendor).Bind(5, p.form)
        .Bind(6, p.serving_amount).Bind(7, p.serving_unit).Bind(8, p.grams_per_unit)
        .Bind(9, p.label_mitragynine_mg_per_g).Bind(10, p.label_hydroxymitragynine_mg_per_g)
        .Bind(11, p.label_json).Bind(12, p.created_by).Bind(13, p.created_at_ms)
        .Bind(14, p.updated_at_ms);
}

Lot ReadLot(const Statement& st) {
    Lot l;
    l.organization_id = st.Text(0);
    l.id = st.Text(1);
    l.product_id = st.Text(2);
    l.code = st.Text(3);
    l.mitragynine_mg_per_g = st.OptReal(4);
    l.hydroxymitragynine_mg_per_g = st.OptReal(5);
    l.assay_json = st.Text(6);
    l.created_by = st.Text(7);
    l.created_at_ms = st.Int(8);
    return l;
}

Dose ReadDose(const Statement& st) {
    Dose d;
    d.organization_id = st.Text(0);
    d.id = st.Text(1);
    d.patient_id = st.Text(2);
    d.taken_at_ms = st.Int(3);
    d.product_id = st.OptText(4);
    d.lot_id = st.OptText(5);
    d.amount = st.Real(6);
    d.unit = st.Text(7);
    d.amount_g = st.OptReal(8);
    d.mitragynine_mg = st.OptReal(9);
    d.hydroxymitragynine_mg = st.OptReal(10);
    d.derivation_json = st.Text(11);
    d.recorded_by = st.Text(12);
    d.recorded_at_ms = st.Int(13);
    d.updated_at_ms = st.Int(14);
    d.deleted_at_ms = st.OptInt(15);
    return d;
}

void BindDose(Statement& st, const Dose& d) {
    st.Bind(1, d.organization_id).Bind(2, d.id).Bind(3, d.patient_id).Bind(4, d.taken_at_ms)
        .Bind(5, d.product_id).Bind(6, d.lot_id).Bind(7, d.amount).Bind(8, d.unit)
        .Bind(9, d.amount_g).Bind(10, d.mitragynine_mg).Bind(11, d.hydroxymitragynine_mg)
        .Bind(12, d.derivation_json).Bind(13, d.recorded_by).Bind(14, d.recorded_at_ms)
        .Bind(15, d.updated_at_ms).Bind(16, d.deleted_at_ms);
}

Assessment ReadAssessment(const Statement& st) {
    Assessment a;
    a.organization_id = st.Text(0);
    a.id = st.Text(1);
    a.patient_id = st.Text(2);
    a.instrument = st.Text(3);
    a.instrument_version = st.Text(4);
    a.taken_at_ms = st.Int(5);
    a.responses_json = st.Text(6);
    a.total = st.Real(7);
    a.band_label = st.OptText(8);
    a.administered_by = st.Text(9);
    a.administered_role = st.Text(10);
    a.recorded_at_ms = st.Int(11);
    a.deleted_at_ms = st.OptInt(12);
    return a;
}

void BindAssessment(Statement& st, const Assessment& a) {
    st.Bind(1, a.organization_id).Bind(2, a.id).Bind(3, a.patient_id).Bind(4, a.instrument)
        .Bind(5, a.instrument_version).Bind(6, a.taken_at_ms).Bind(7, a.responses_json)
        .Bind(8, a.total).Bind(9, a.band_label).Bind(10, a.administered_by)
        .Bind(11, a.administered_role).Bind(12, a.recorded_at_ms).Bind(13, a.deleted_at_ms);
}

SubstanceUse ReadSubstance(const Statement& st) {
    SubstanceUse s;
    s.organization_id = st.Text(0);
    s.id = st.Text(1);
    s.patient_id = st.Text(2);
    s.taken_at_ms = st.Int(3);
    s.substance_class = st.Text(4);
    s.substance = st.OptText(5);
    s.amount = st.OptReal(6);
    s.unit = st.OptText(7);
    s.recorded_by = st.Text(8);
    s.recorded_at_ms = st.Int(9);
    s.deleted_at_ms = st.OptInt(10);
    return s;
}

void BindSubstance(Statement& st, const SubstanceUse& s) {
    st.Bind(1, s.organization_id).Bind(2, s.id).Bind(3, s.patient_id).Bind(4, s.taken_at_ms)
        .Bind(5, s.substance_class).Bind(6, s.substance).Bind(7, s.amount).Bind(8, s.unit)
        .Bind(9, s.recorded_by).Bind(10, s.recorded_at_ms).Bind(11, s.deleted_at_ms);
}

Medication ReadMedication(const Statement& st) {
    Medication m;
    m.organization_id = st.Text(0);
    m.id = st.Text(1);
    m.patient_id = st.Text(2);
    m.name = st.Text(3);
    m.drug_id = st.OptText(4);
    m.started_on = static_cast<std::int32_t>(st.Int(5));
    if (auto stopped = st.OptInt(6)) {
        m.stopped_on = static_cast<std::int32_t>(*stopped);
    }
    m.recorded_by = st.Text(7);
    m.recorded_at_ms = st.Int(8);
    m.updated_at_ms = st.Int(9);
    m.deleted_at_ms = st.OptInt(10);
    return m;
}

void BindMedication(Statement& st, const Medication& m) {
    st.Bind(1, m.organization_id).Bind(2, m.id).Bind(3, m.patient_id).Bind(4, m.name)
        .Bind(5, m.drug_id).Bind(6, static_cast<std::int64_t>(m.started_on))
        .Bind(7, OptInt32(m.stopped_on)).Bind(8, m.recorded_by).Bind(9, m.recorded_at_ms)
        .Bind(10, m.updated_at_ms).Bind(11, m.deleted_at_ms);
}

AdverseEvent ReadAdverse(const Statement& st) {
    AdverseEvent e;
    e.organization_id = st.Text(0);
    e.id = st.Text(1);
    e.patient_id = st.Text(2);
    e.onset_at_ms = st.Int(3);
    e.description = st.Text(4);
    e.terms_json = st.Text(5);
    e.serious = st.Int(6) != 0;
    e.lot_id = st.OptText(7);
    e.recorded_by = st.Text(8);
    e.recorded_at_ms = st.Int(9);
    e.deleted_at_ms = st.OptInt(10);
    return e;
}

void BindAdverse(Statement& st, const AdverseEvent& e) {
    st.Bind(1, e.organization_id).Bind(2, e.id).Bind(3, e.patient_id).Bind(4, e.onset_at_ms)
        .Bind(5, e.description).Bind(6, e.terms_json).Bind(7, e.serious).Bind(8, e.lot_id)
        .Bind(9, e.recorded_by).Bind(10, e.recorded_at_ms).Bind(11, e.deleted_at_ms);
}

/// Binds the common (org, patient, from, to, include_deleted, limit) list parameters starting
/// at `first`.
void BindRange(Statement& st, int first, const TimeRange& r) {
    st.Bind(first, r.from_ms).Bind(first + 1, r.to_ms).Bind(first + 2, r.include_deleted)
        .Bind(first + 3, static_cast<std::int64_t>(r.limit));
}

class ProductRepo final : public core::ProductRepository {
public:
    explicit ProductRepo(Connection& c) : c_(c) {}
    void Insert(const Product& p) override {
        auto st = c_.Prepare(q::kProductInsert);
        BindProduct(st, p);
        st.Run();
    }
    void Update(const Product& p) override {
        auto st = c_.Prepare(q::kProductUpdate);
        BindProduct(st, p);
        st.Run();
    }
    std::optional<Product> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kProductById);
        st.Bind(1, org).Bind(2, id);
        return One<Product>(st, ReadProduct);
    }
    std::vector<Product> List(const std::string& org) override {
        auto st = c_.Prepare(q::kProductList);
        st.Bind(1, org);
        return All<Product>(st, ReadProduct);
    }

private:
    Connection& c_;
};

class LotRepo final : public core::LotRepository {
public:
    explicit LotRepo(Connection& c) : c_(c) {}
    void Insert(const Lot& l) override {
        try {
            c_.Prepare(q::kLotInsert).Bind(1, l.organization_id).Bind(2, l.id)
                .Bind(3, l.product_id).Bind(4, l.code).Bind(5, l.mitragynine_mg_per_g)
                .Bind(6, l.hydroxymitragynine_mg_per_g).Bind(7, l.assay_json)
                .Bind(8, l.created_by).Bind(9, l.created_at_ms).Run();
        } catch (const ConflictError&) {
            throw ConflictError("this product already has a lot with code " + l.code, "code");
        }
    }
    std::optional<Lot> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kLotById);
        st.Bind(1, org).Bind(2, id);
        return One<Lot>(st, ReadLot);
    }
    std::optional<Lot> FindByCode(const std::string& org, const std::string& product_id,
                                  const std::string& code) override {
        auto st = c_.Prepare(q::kLotByCode);
        st.Bind(1, org).Bind(2, product_id).Bind(3, code);
        return One<Lot>(st, ReadLot);
    }
    std::vector<Lot> ListForProduct(const std::string& org,
                                    const std::string& product_id) override {
        auto st = c_.Prepare(q::kLotsForProduct);
        st.Bind(1, org).Bind(2, product_id);
        return All<Lot>(st, ReadLot);
    }

private:
    Connection& c_;
};

class DoseRepo final : public core::DoseRepository {
public:
    explicit DoseRepo(Connection& c) : c_(c) {}
    void Insert(const Dose& d) override {
        auto st = c_.Prepare(q::kDoseInsert);
        BindDose(st, d);
        st.Run();
    }
    void Update(const Dose& d) override {
        auto st = c_.Prepare(q::kDoseUpdate);
        BindDose(st, d);
        st.Run();
    }
    std::optional<Dose> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kDoseById);
        st.Bind(1, org).Bind(2, id);
        return One<Dose>(st, ReadDose);
    }
    std::vector<Dose> ListForPatient(const std::string& org, const std::string& patient_id,
                                     const TimeRange& range) override {
        auto st = c_.Prepare(q::kDosesForPatient);
        st.Bind(1, org).Bind(2, patient_id);
        BindRange(st, 3, range);
        return All<Dose>(st, ReadDose);
    }
    std::optional<Dose> LastForPatient(const std::string& org,
                                       const std::string& patient_id) override {
        auto st = c_.Prepare(q::kDoseLast);
        st.Bind(1, org).Bind(2, patient_id);
        return One<Dose>(st, ReadDose);
    }

private:
    Connection& c_;
};

class AssessmentRepo final : public core::AssessmentRepository {
public:
    explicit AssessmentRepo(Connection& c) : c_(c) {}
    void Insert(const Assessment& a) override {
        auto st = c_.Prepare(q::kAssessmentInsert);
        BindAssessment(st, a);
        st.Run();
    }
    void Update(const Assessment& a) override {
        auto st = c_.Prepare(q::kAssessmentUpdate);
        BindAssessment(st, a);
        st.Run();
    }
    std::optional<Assessment> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kAssessmentById);
        st.Bind(1, org).Bind(2, id);
        return One<Assessment>(st, ReadAssessment);
    }
    std::vector<Assessment> ListForPatient(const std::string& org, const std::string& patient_id,
                                           const std::string& instrument,
                                           const TimeRange& range) override {
        auto st = c_.Prepare(q::kAssessmentsForPatient);
        st.Bind(1, org).Bind(2, patient_id).Bind(3, instrument);
        BindRange(st, 4, range);
        return All<Assessment>(st, ReadAssessment);
    }

private:
    Connection& c_;
};

class SubstanceRepo final : public core::SubstanceUseRepository {
public:
    explicit SubstanceRepo(Connection& c) : c_(c) {}
    void Insert(const SubstanceUse& s) override {
        auto st = c_.Prepare(q::kSubstanceInsert);
        BindSubstance(st, s);
        st.Run();
    }
    void Update(const SubstanceUse& s) override {
        auto st = c_.Prepare(q::kSubstanceUpdate);
        BindSubstance(st, s);
        st.Run();
    }
    std::optional<SubstanceUse> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kSubstanceById);
        st.Bind(1, org).Bind(2, id);
        return One<SubstanceUse>(st, ReadSubstance);
    }
    std::vector<SubstanceUse> ListForPatient(const std::string& org, const std::string& patient_id,
                                             const TimeRange& range) override {
        auto st = c_.Prepare(q::kSubstanceForPatient);
        st.Bind(1, org).Bind(2, patient_id);
        BindRange(st, 3, range);
        return All<SubstanceUse>(st, ReadSubstance);
    }

private:
    Connection& c_;
};

class MedicationRepo final : public core::MedicationRepository {
public:
    explicit MedicationRepo(Connection& c) : c_(c) {}
    void Insert(const Medication& m) override {
        auto st = c_.Prepare(q::kMedicationInsert);
        BindMedication(st, m);
        st.Run();
    }
    void Update(const Medication& m) override {
        auto st = c_.Prepare(q::kMedicationUpdate);
        BindMedication(st, m);
        st.Run();
    }
    std::optional<Medication> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kMedicationById);
        st.Bind(1, org).Bind(2, id);
        return One<Medication>(st, ReadMedication);
    }
    std::vector<Medication> ListForPatient(const std::string& org, const std::string& patient_id,
                                           bool include_deleted) override {
        auto st = c_.Prepare(q::kMedicationsForPatient);
        st.Bind(1, org).Bind(2, patient_id).Bind(3, include_deleted);
        return All<Medication>(st, ReadMedication);
    }

private:
    Connection& c_;
};

class AdverseRepo final : public core::AdverseEventRepository {
public:
    explicit AdverseRepo(Connection& c) : c_(c) {}
    void Insert(const AdverseEvent& e) override {
        auto st = c_.Prepare(q::kAdverseInsert);
        BindAdverse(st, e);
        st.Run();
    }
    void Update(const AdverseEvent& e) override {
        auto st = c_.Prepare(q::kAdverseUpdate);
        BindAdverse(st, e);
        st.Run();
    }
    std::optional<AdverseEvent> FindById(const std::string& org, const std::string& id) override {
        auto st = c_.Prepare(q::kAdverseById);
        st.Bind(1, org).Bind(2, id);
        return One<AdverseEvent>(st, ReadAdverse);
    }
    std::vector<AdverseEvent> ListForPatient(const std::string& org, const std::string& patient_id,
                                             const TimeRange& range) override {
        auto st = c_.Prepare(q::kAdverseForPatient);
        st.Bind(1, org).Bind(2, patient_id);
        BindRange(st, 3, range);
        return All<AdverseEvent>(st, ReadAdverse);
    }

private:
    Connection& c_;
};

}  // namespace

struct ClinicalRepos::Impl {
    explicit Impl(Connection& c)
        : products(c), lots(c), doses(c), assessments(c), substances(c), medications(c),
          adverse(c) {}
    ProductRepo products;
    LotRepo lots;
    DoseRepo doses;
    AssessmentRepo assessments;
    SubstanceRepo substances;
    MedicationRepo medications;
    AdverseRepo adverse;
};

ClinicalRepos::ClinicalRepos(Connection& connection)
    : impl_(std::make_unique<Impl>(connection)) {}
ClinicalRepos::~ClinicalRepos() = default;

core::ProductRepository& ClinicalRepos::Products() { return impl_->products; }
core::LotRepository& ClinicalRepos::Lots() { return impl_->lots; }
core::DoseRepository& ClinicalRepos::Doses() { return impl_->doses; }
core::AssessmentRepository& ClinicalRepos::Assessments() { return impl_->assessments; }
core::SubstanceUseRepository& ClinicalRepos::SubstanceUses() { return impl_->substances; }
core::MedicationRepository& ClinicalRepos::Medications() { return impl_->medications; }
core::AdverseEventRepository& ClinicalRepos::AdverseEvents() { return impl_->adverse; }

}  // namespace mitra::storage::postgres
