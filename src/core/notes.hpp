#pragma once
// Clinical notes as stored: free text a clinician writes on a patient's record. Notes are
// append-only: nothing edits or deletes one; a correction is a new note whose `amends_id` names
// the earlier note of the same patient, which stays as it was. Persistence is behind
// core/notes_ports.hpp.

#include <cstdint>
#include <optional>
#include <string>

namespace mitra::core {

struct ClinicalNote {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::string author_id;  // user id of the clinician who wrote it
    std::string text;
    /// The earlier note of the same patient this one corrects, if any.
    std::optional<std::string> amends_id;
    std::int64_t created_at_ms = 0;  // server time
};

/// A link "note `note_id` amends note `amended_id`".
struct NoteAmendment {
    std::string note_id;
    std::string amended_id;
};

}  // namespace mitra::core
