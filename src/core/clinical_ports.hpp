#pragma once
// Storage ports of the clinical record (see core/ports.hpp for the contract every port obeys:
// one UnitOfWork per transaction, not-found is an empty optional, unique violations throw
// ConflictError, every query scoped by organization_id). List queries return rows ordered by
// time ascending (then id), bounded by TimeRange::limit, excluding deleted rows unless asked.

#include <optional>
#include <string>
#include <vector>

#include "core/clinical.hpp"

namespace mitra::core {

class ProductRepository {
public:
    virtual ~ProductRepository() = default;
    virtual void Insert(const Product& product) = 0;
    virtual void Update(const Product& product) = 0;
    virtual std::optional<Product> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual std::vector<Product> List(const std::string& org_id) = 0;
};

class LotRepository {
public:
    virtual ~LotRepository() = default;
    /// Throws ConflictError (field "code") if the product already has a lot with this code.
    virtual void Insert(const Lot& lot) = 0;
    virtual std::optional<Lot> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual std::optional<Lot> FindByCode(const std::string& org_id, const std::string& product_id,
                                          const std::string& code) = 0;
    virtual std::vector<Lot> ListForProduct(const std::string& org_id,
                                            const std::string& product_id) = 0;
};

class DoseRepository {
public:
    virtual ~DoseRepository() = default;
    /// Throws ConflictError if the id exists.
    virtual void Insert(const Dose& dose) = 0;
    virtual void Update(const Dose& dose) = 0;
    /// Finds deleted rows too.
    virtual std::optional<Dose> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual std::vector<Dose> ListForPatient(const std::string& org_id,
                                             const std::string& patient_id,
                                             const TimeRange& range) = 0;
    /// The same rows as ListForPatient, narrowed to DoseSummary.
    virtual std::vector<DoseSummary> SummariesForPatient(const std::string& org_id,
                                                         const std::string& patient_id,
                                                         const TimeRange& range) = 0;
    /// The most recent (by taken_at) not-deleted dose.
    virtual std::optional<Dose> LastForPatient(const std::string& org_id,
                                               const std::string& patient_id) = 0;
};

class AssessmentRepository {
public:
    virtual ~AssessmentRepository() = default;
    virtual void Insert(const Assessment& assessment) = 0;
    virtual void Update(const Assessment& assessment) = 0;
    virtual std::optional<Assessment> FindById(const std::string& org_id,
                                               const std::string& id) = 0;
    /// `instrument` empty = all instruments.
    virtual std::vector<Assessment> ListForPatient(const std::string& org_id,
                                                   const std::string& patient_id,
                                                   const std::string& instrument,
                                                   const TimeRange& range) = 0;
};

class SubstanceUseRepository {
public:
    virtual ~SubstanceUseRepository() = default;
    virtual void Insert(const SubstanceUse& use) = 0;
    virtual void Update(const SubstanceUse& use) = 0;
    virtual std::optional<SubstanceUse> FindById(const std::string& org_id,
                                                 const std::string& id) = 0;
    virtual std::vector<SubstanceUse> ListForPatient(const std::string& org_id,
                                                     const std::string& patient_id,
                                                     const TimeRange& range) = 0;
};

class MedicationRepository {
public:
    virtual ~MedicationRepository() = default;
    virtual void Insert(const Medication& medication) = 0;
    virtual void Update(const Medication& medication) = 0;
    virtual std::optional<Medication> FindById(const std::string& org_id,
                                               const std::string& id) = 0;
    /// Ordered by started_on, then id; excludes deleted rows unless asked.
    virtual std::vector<Medication> ListForPatient(const std::string& org_id,
                                                   const std::string& patient_id,
                                                   bool include_deleted) = 0;
};

class AdverseEventRepository {
public:
    virtual ~AdverseEventRepository() = default;
    virtual void Insert(const AdverseEvent& event) = 0;
    virtual void Update(const AdverseEvent& event) = 0;
    virtual std::optional<AdverseEvent> FindById(const std::string& org_id,
                                                 const std::string& id) = 0;
    virtual std::vector<AdverseEvent> ListForPatient(const std::string& org_id,
                                                     const std::string& patient_id,
                                                     const TimeRange& range) = 0;
};

}  // namespace mitra::core
