#pragma once
// The patient timeline: one entry per calendar day of the patient's time zone (dose count,
// grams, mg mitragynine, mg 7-OH, scale totals per instrument, craving, substance use,
// medications active) and the raw events of the range, paged.
//
// Days are cut at LocalDayStartMs boundaries computed once per day of the range (so a DST day
// is 23 or 25 hours long) and events, sorted by time, are walked once: O(days + events).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clinical.hpp"

namespace mitra::api {

struct TimelineInput {
    std::string patient_id;
    std::string timezone;                       // IANA zone, valid
    std::int32_t from_day = 0;                  // inclusive, days since epoch in the zone
    std::int32_t to_day = 0;                    // inclusive
    std::vector<core::Dose> doses;              // not deleted, any order
    std::vector<core::Assessment> assessments;  // not deleted, any order
    std::vector<core::SubstanceUse> substance_uses;
    std::vector<core::Medication> medications;
    std::vector<core::AdverseEvent> adverse_events;
    std::size_t limit = 200;  // events per page
    std::size_t offset = 0;   // from the cursor
};

/// Largest range a timeline may span, in days (engineering bound).
inline constexpr std::int32_t kMaxTimelineDays = 3 * 366;

/// The JSON text {patient_id, timezone, from, to, medications:[...], events:[...],
/// event_count, next_cursor, days:[...]}.
std::string BuildTimeline(const TimelineInput& input);

}  // namespace mitra::api
