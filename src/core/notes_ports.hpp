#pragma once
// Storage port of clinical notes (see core/ports.hpp for the contract every port obeys). Notes
// are append-only, so the port has no Update and no delete.

#include <optional>
#include <string>
#include <vector>

#include "core/clinical.hpp"
#include "core/notes.hpp"

namespace mitra::core {

class NoteRepository {
public:
    virtual ~NoteRepository() = default;
    /// Throws ConflictError if the id exists.
    virtual void Insert(const ClinicalNote& note) = 0;
    virtual std::optional<ClinicalNote> FindById(const std::string& org_id,
                                                 const std::string& id) = 0;
    /// Notes created in [range.from_ms, range.to_ms), newest first (created_at descending,
    /// then id descending), at most range.limit of them. range.include_deleted is ignored.
    virtual std::vector<ClinicalNote> ListForPatient(const std::string& org_id,
                                                     const std::string& patient_id,
                                                     const TimeRange& range) = 0;
    /// Every amendment link among the patient's notes, whatever their time.
    virtual std::vector<NoteAmendment> ListAmendments(const std::string& org_id,
                                                      const std::string& patient_id) = 0;
};

}  // namespace mitra::core
