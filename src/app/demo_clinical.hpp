#pragma once
// The clinical part of `mitra demo`: products with lots and assays (one lot failing the KCPA
// 7-OH share), and for each patient a dosing pattern over the chosen days (stable daily use,
// escalation, a taper under way, co-use episodes, an unlabelled product with an adverse
// event), SOWS (sows-handelsman-16) and craving that move with the dosing, and weekly
// clinician COWS entries; for a few patients, a clinician's note or two about visit logistics. Deterministic: a fixed seed drives every choice, so two demos built
// on the same day hold the same record.
//
// The numbers here are scenario parameters for a demonstration, not clinical facts: doses,
// shapes and noise are invented to look plausible; scoring, bands and normalisation come from
// the cited data files like any other record.

#include <cstdint>
#include <string>
#include <vector>

#include "core/ports.hpp"

namespace mitra::app {

struct DemoPatient {
    std::string patient_id;
    std::string user_id;
    std::string timezone;
    std::string clinician_id;
};

struct ClinicalDemoSummary {
    int products = 0;
    int lots = 0;
    int doses = 0;
    int assessments = 0;
    int substance_uses = 0;
    int medications = 0;
    int adverse_events = 0;
    int notes = 0;
};

/// Adds the products and each patient's record for the `days` days ending today (patient
/// time zone), inside `uow`. `staff_user_id` registers the products.
ClinicalDemoSummary AddClinicalDemo(core::UnitOfWork& uow, const std::string& org_id,
                                    const std::string& staff_user_id,
                                    const std::vector<DemoPatient>& patients, int days,
                                    std::int64_t now_ms);

}  // namespace mitra::app
