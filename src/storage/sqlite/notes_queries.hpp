#pragma once
// SQL of the clinical notes repository (SQLite).

namespace mitra::storage::sqlite::q {

#define MITRA_NOTE_COLUMNS \
    "organization_id, id, patient_id, author_id, text, amends_id, created_at_ms"
inline constexpr const char kNoteInsert[] =
    "INSERT INTO notes (" MITRA_NOTE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
inline constexpr const char kNoteById[] =
    "SELECT " MITRA_NOTE_COLUMNS " FROM notes WHERE organization_id = ?1 AND id = ?2";
inline constexpr const char kNotesForPatient[] =
    "SELECT " MITRA_NOTE_COLUMNS " FROM notes WHERE organization_id = ?1 AND patient_id = ?2 "
    "AND created_at_ms >= ?3 AND created_at_ms < ?4 "
    "ORDER BY created_at_ms DESC, id DESC LIMIT ?5";
inline constexpr const char kNoteAmendments[] =
    "SELECT id, amends_id FROM notes WHERE organization_id = ?1 AND patient_id = ?2 "
    "AND amends_id IS NOT NULL ORDER BY created_at_ms, id";
#undef MITRA_NOTE_COLUMNS

}  // namespace mitra::storage::sqlite::q
