#pragma once
// PostgreSQL implementations of the clinical-record ports, bundled for the unit of work.

#include <memory>

#include "core/clinical_ports.hpp"

namespace mitra::storage::postgres {

class Connection;

/// The seven clinical repositories over one connection (one transaction).
class ClinicalRepos {
public:
    explicit ClinicalRepos(Connection& connection);
    ~ClinicalRepos();
    ClinicalRepos(const ClinicalRepos&) = delete;
    ClinicalRepos& operator=(const ClinicalRepos&) = delete;

    core::ProductRepository& Products();
    core::LotRepository& Lots();
    core::DoseRepository& Doses();
    core::AssessmentRepository& Assessments();
    core::SubstanceUseRepository& SubstanceUses();
    core::MedicationRepository& Medications();
    core::AdverseEventRepository& AdverseEvents();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mitra::storage::postgres
