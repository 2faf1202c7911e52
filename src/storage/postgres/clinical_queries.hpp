#pragma once
// SQL of the clinical-record repositories (PostgreSQL).

namespace mitra::storage::postgres::q {

#define MITRA_PRODUCT_COLUMNS                                                                  \
    "organization_id, id, name, vendor, form, serving_amount, serving_unit, grams_per_unit, " \
    "label_mitragynine_mg_per_g, label_hydroxymitragynine_mg_per_g, label_json, created_by, "  \
    "created_at_ms, updated_at_ms"
inline constexpr const char kProductInsert[] =
    "INSERT INTO products (" MITRA_PRODUCT_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING";
inline constexpr const char kProductUpdate[] =
    "UPDATE products SET name = $3, vendor = $4, form = $5, serving_amount = $6, "
    "serving_unit = $7, grams_per_unit = $8, label_mitragynine_mg_per_g = $9, "
    "label_hydroxymitragynine_mg_per_g = $10, label_json = $11, updated_at_ms = $14 "
    "WHERE organization_id = $1 AND id = $2";
inline constexpr const char kProductById[] =
    "SELECT " MITRA_PRODUCT_COLUMNS " FROM products WHERE organization_id = $1 AND id = $2";
inline constexpr const char kProductList[] =
    "SELECT " MITRA_PRODUCT_COLUMNS " FROM products WHERE organization_id = $1 ORDER BY name, id";
#undef MITRA_PRODUCT_COLUMNS

#define MITRA_LOT_COLUMNS                                                                   \
    "organization_id, id, product_id, code, mitragynine_mg_per_g, "                         \
    "hydroxymitragynine_mg_per_g, assay_json, created_by, created_at_ms"
inline constexpr const char kLotInsert[] =
    "INSERT INTO lots (" MITRA_LOT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char kLotById[] =
    "SELECT " MITRA_LOT_COLUMNS " FROM lots WHERE organization_id = $1 AND id = $2";
inline constexpr const char kLotByCode[] =
    "SELECT " MITRA_LOT_COLUMNS " FROM lots WHERE organization_id = $1 AND product_id = $2 AND "
    "code = $3";
inline constexpr const char kLotsForProduct[] =
    "SELECT " MITRA_LOT_COLUMNS " FROM lots WHERE organization_id = $1 AND product_id = $2 "
    "ORDER BY created_at_ms, id";
#undef MITRA_LOT_COLUMNS

#define MITRA_DOSE_COLUMNS                                                                   \
    "organization_id, id, patient_id, taken_at_ms, product_id, lot_id, amount, unit, "       \
    "amount_g, mitragynine_mg, hydroxymitragynine_mg, derivation_json, recorded_by, "        \
    "recorded_at_ms, updated_at_ms, deleted_at_ms"
inline constexpr const char kDoseInsert[] =
    "INSERT INTO doses (" MITRA_DOSE_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char kDoseUpdate[] =
    "UPDATE doses SET taken_at_ms = $4, product_id = $5, lot_id = $6, amount = $7, unit = $8, "
    "amount_g = $9, mitragynine_mg = $10, hydroxymitragynine_mg = $11, derivation_json = $12, "
    "updated_at_ms = $15, deleted_at_ms = $16 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kDoseById[] =
    "SELECT " MITRA_DOSE_COLUMNS " FROM doses WHERE organization_id = $1 AND id = $2";
inline constexpr const char kDosesForPatient[] =
    "SELECT " MITRA_DOSE_COLUMNS " FROM doses WHERE organization_id = $1 AND patient_id = $2 "
    "AND taken_at_ms >= $3 AND taken_at_ms < $4 AND ($5::boolean OR deleted_at_ms IS NULL) "
    "ORDER BY taken_at_ms, id LIMIT $6";
inline constexpr const char kDoseSummariesForPatient[] =
    "SELECT id, taken_at_ms, product_id, lot_id, amount_g, mitragynine_mg, "
    "hydroxymitragynine_mg FROM doses WHERE organization_id = $1 AND patient_id = $2 "
    "AND taken_at_ms >= $3 AND taken_at_ms < $4 AND ($5::boolean OR deleted_at_ms IS NULL) "
    "ORDER BY taken_at_ms, id LIMIT $6";
inline constexpr const char kDoseLast[] =
    "SELECT " MITRA_DOSE_COLUMNS " FROM doses WHERE organization_id = $1 AND patient_id = $2 "
    "AND deleted_at_ms IS NULL ORDER BY taken_at_ms DESC, id DESC LIMIT 1";
#undef MITRA_DOSE_COLUMNS

#define MITRA_ASSESSMENT_COLUMNS                                                             \
    "organization_id, id, patient_id, instrument, instrument_version, taken_at_ms, "         \
    "responses_json, total, band_label, administered_by, administered_role, recorded_at_ms, " \
    "deleted_at_ms"
inline constexpr const char kAssessmentInsert[] =
    "INSERT INTO assessments (" MITRA_ASSESSMENT_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING";
inline constexpr const char kAssessmentUpdate[] =
    "UPDATE assessments SET instrument = $4, instrument_version = $5, taken_at_ms = $6, "
    "responses_json = $7, total = $8, band_label = $9, deleted_at_ms = $13 "
    "WHERE organization_id = $1 AND id = $2";
inline constexpr const char kAssessmentById[] =
    "SELECT " MITRA_ASSESSMENT_COLUMNS " FROM assessments WHERE organization_id = $1 AND id = $2";
inline constexpr const char kAssessmentsForPatient[] =
    "SELECT " MITRA_ASSESSMENT_COLUMNS " FROM assessments WHERE organization_id = $1 AND "
    "patient_id = $2 AND ($3::text = '' OR instrument = $3) AND taken_at_ms >= $4 AND "
    "taken_at_ms < $5 AND ($6::boolean OR deleted_at_ms IS NULL) ORDER BY taken_at_ms, id LIMIT $7";
#undef MITRA_ASSESSMENT_COLUMNS

#define MITRA_SUBSTANCE_COLUMNS                                                              \
    "organization_id, id, patient_id, taken_at_ms, substance_class, substance, amount, unit, " \
    "recorded_by, recorded_at_ms, deleted_at_ms"
inline constexpr const char kSubstanceInsert[] =
    "INSERT INTO substance_use (" MITRA_SUBSTANCE_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";
inline constexpr const char kSubstanceUpdate[] =
    "UPDATE substance_use SET taken_at_ms = $4, substance_class = $5, substance = $6, "
    "amount = $7, unit = $8, deleted_at_ms = $11 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kSubstanceById[] =
    "SELECT " MITRA_SUBSTANCE_COLUMNS " FROM substance_use WHERE organization_id = $1 AND id = $2";
inline constexpr const char kSubstanceForPatient[] =
    "SELECT " MITRA_SUBSTANCE_COLUMNS " FROM substance_use WHERE organization_id = $1 AND "
    "patient_id = $2 AND taken_at_ms >= $3 AND taken_at_ms < $4 AND "
    "($5::boolean OR deleted_at_ms IS NULL) ORDER BY taken_at_ms, id LIMIT $6";
#undef MITRA_SUBSTANCE_COLUMNS

#define MITRA_MEDICATION_COLUMNS                                                             \
    "organization_id, id, patient_id, name, drug_id, started_on, stopped_on, recorded_by, "  \
    "recorded_at_ms, updated_at_ms, deleted_at_ms"
inline constexpr const char kMedicationInsert[] =
    "INSERT INTO medications (" MITRA_MEDICATION_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";
inline constexpr const char kMedicationUpdate[] =
    "UPDATE medications SET name = $4, drug_id = $5, started_on = $6, stopped_on = $7, "
    "updated_at_ms = $10, deleted_at_ms = $11 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kMedicationById[] =
    "SELECT " MITRA_MEDICATION_COLUMNS " FROM medications WHERE organization_id = $1 AND id = $2";
inline constexpr const char kMedicationsForPatient[] =
    "SELECT " MITRA_MEDICATION_COLUMNS " FROM medications WHERE organization_id = $1 AND "
    "patient_id = $2 AND ($3::boolean OR deleted_at_ms IS NULL) ORDER BY started_on, id";
#undef MITRA_MEDICATION_COLUMNS

#define MITRA_ADVERSE_COLUMNS                                                                \
    "organization_id, id, patient_id, onset_at_ms, description, terms_json, serious, lot_id, " \
    "recorded_by, recorded_at_ms, deleted_at_ms"
inline constexpr const char kAdverseInsert[] =
    "INSERT INTO adverse_events (" MITRA_ADVERSE_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";
inline constexpr const char kAdverseUpdate[] =
    "UPDATE adverse_events SET onset_at_ms = $4, description = $5, terms_json = $6, "
    "serious = $7, lot_id = $8, deleted_at_ms = $11 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kAdverseById[] =
    "SELECT " MITRA_ADVERSE_COLUMNS " FROM adverse_events WHERE organization_id = $1 AND id = $2";
inline constexpr const char kAdverseForPatient[] =
    "SELECT " MITRA_ADVERSE_COLUMNS " FROM adverse_events WHERE organization_id = $1 AND "
    "patient_id = $2 AND onset_at_ms >= $3 AND onset_at_ms < $4 AND "
    "($5::boolean OR deleted_at_ms IS NULL) ORDER BY onset_at_ms, id LIMIT $6";
#undef MITRA_ADVERSE_COLUMNS

}  // namespace mitra::storage::postgres::q
