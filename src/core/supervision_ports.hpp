#pragma once
// Storage ports of supervision: alerts and taper plans (see core/ports.hpp for the contract
// every port obeys). Lists are ordered by created_at ascending, then id.

#include <optional>
#include <string>
#include <vector>

#include "core/supervision.hpp"

namespace mitra::core {

class AlertRepository {
public:
    virtual ~AlertRepository() = default;
    /// Throws ConflictError (field "condition_key") if the patient already has an alert with
    /// this condition key, in any status.
    virtual void Insert(const Alert& alert) = 0;
    /// Updates status, acknowledgement, note and resolution.
    virtual void Update(const Alert& alert) = 0;
    virtual std::optional<Alert> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual std::vector<Alert> ListForPatient(const std::string& org_id,
                                              const std::string& patient_id) = 0;
    /// Open alerts of every patient of the organization, counted by severity: one row per
    /// (patient_id, severity) with at least one open alert.
    struct OpenCount {
        std::string patient_id;
        std::string severity;
        int count = 0;
    };
    virtual std::vector<OpenCount> OpenCounts(const std::string& org_id) = 0;
    /// Condition keys of every alert of the patient, in any status.
    virtual std::vector<std::string> ConditionKeys(const std::string& org_id,
                                                   const std::string& patient_id) = 0;
};

class TaperPlanRepository {
public:
    virtual ~TaperPlanRepository() = default;
    virtual void Insert(const TaperPlanRecord& plan) = 0;
    /// Updates status, approval, holds and updated_at (the schedule of a version never changes).
    virtual void Update(const TaperPlanRecord& plan) = 0;
    virtual std::optional<TaperPlanRecord> FindById(const std::string& org_id,
                                                    const std::string& id) = 0;
    virtual std::vector<TaperPlanRecord> ListForPatient(const std::string& org_id,
                                                        const std::string& patient_id) = 0;
    /// The patient's plan in status active, if any (at most one).
    virtual std::optional<TaperPlanRecord> FindActive(const std::string& org_id,
                                                      const std::string& patient_id) = 0;
};

}  // namespace mitra::core
