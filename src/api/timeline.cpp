#include "api/timeline.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>

#include "core/time.hpp"

namespace mitra::api {
namespace {

using Json = nlohmann::json;

struct ScaleDay {
    int count = 0;
    double sum = 0.0;
    double max = 0.0;
    double last = 0.0;
    std::int64_t last_at_ms = 0;
};

struct Day {
    int dose_count = 0;
    double amount_g = 0.0;
    double mitragynine_mg = 0.0;
    double hydroxymitragynine_mg = 0.0;
    int doses_without_grams = 0;
    int doses_without_mitragynine = 0;
    int doses_without_hydroxymitragynine = 0;
    int estimated_doses = 0;
    std::map<std::string, ScaleDay> scales;
    std::map<std::string, int> substance_use;
    int adverse_events = 0;
};

enum class Kind { kDose, kAssessment, kSubstanceUse, kAdverseEvent };

struct EventRef {
    std::int64_t at_ms;
    Kind kind;
    std::size_t index;
};

// "YYYY-MM-DD" of a day count, and "YYYY-MM-DDTHH:MM:SS.mmmZ" of an instant, without the
// stream formatting of date/tz (365 of each per year of timeline).
void AppendDate(std::string& out, std::int32_t days_since_epoch) {
    const std::chrono::year_month_day ymd{
        std::chrono::sys_days{std::chrono::days{days_since_epoch}}};
    char buffer[16];
    const int n =
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    out.append(buffer, static_cast<std::size_t>(n));
}

void AppendInstant(std::string& out, std::int64_t unix_ms) {
    const std::int64_t day_ms = 86400000LL;
    std::int64_t days = unix_ms / day_ms;
    std::int64_t rest = unix_ms % day_ms;
    if (rest < 0) {
        rest += day_ms;
        --days;
    }
    AppendDate(out, static_cast<std::int32_t>(days));
    char buffer[24];
    const int n =
        std::snprintf(buffer, sizeof buffer, "T%02d:%02d:%02d.%03dZ",
                      static_cast<int>(rest / 3600000), static_cast<int>(rest / 60000 % 60),
                      static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
    out.append(buffer, static_cast<std::size_t>(n));
}

void AppendNumber(std::string& out, double value) {
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, r.ptr);
}

void AppendString(std::string& out, const std::string& value) {
    out += Json(value).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendScale(std::string& out, const ScaleDay& s) {
    out += "{\"count\":" + std::to_string(s.count) + ",\"mean\":";
    AppendNumber(out, s.sum / s.count);
    out += ",\"max\":";
    AppendNumber(out, s.max);
    out += ",\"last\":";
    AppendNumber(out, s.last);
    out += '}';
}

// Index of the day containing `at_ms`, or -1 outside [starts.front(), starts.back()).
// `starts` has one entry per day plus the end of the last day.
long DayIndex(const std::vector<std::int64_t>& starts, std::int64_t at_ms) {
    if (at_ms < starts.front() || at_ms >= starts.back()) {
        return -1;
    }
    auto it = std::upper_bound(starts.begin(), starts.end(), at_ms);
    return static_cast<long>(it - starts.begin()) - 1;
}

Json EventJson(const TimelineInput& in, const EventRef& ref) {
    switch (ref.kind) {
        case Kind::kDose: {
            const core::Dose& d = in.doses[ref.index];
            Json j = {
                {"type", "dose"},
                {"id", d.id},
                {"at", core::FormatRfc3339(d.taken_at_ms)},
                {"product_id", d.product_id ? Json(*d.product_id) : Json(nullptr)},
                {"lot_id", d.lot_id ? Json(*d.lot_id) : Json(nullptr)},
                {"amount", d.amount},
                {"unit", d.unit},
                {"amount_g", d.amount_g ? Json(*d.amount_g) : Json(nullptr)},
                {"mitragynine_mg", d.mitragynine_mg ? Json(*d.mitragynine_mg) : Json(nullptr)},
                {"hydroxymitragynine_mg",
                 d.hydroxymitragynine_mg ? Json(*d.hydroxymitragynine_mg) : Json(nullptr)}};
            return j;
        }
        case Kind::kAssessment: {
            const core::Assessment& a = in.assessments[ref.index];
            return {{"type", "assessment"},
                    {"id", a.id},
                    {"at", core::FormatRfc3339(a.taken_at_ms)},
                    {"instrument", a.instrument},
                    {"total", a.total},
                    {"band", a.band_label ? Json(*a.band_label) : Json(nullptr)},
                    {"administered_role", a.administered_role}};
        }
        case Kind::kSubstanceUse: {
            const core::SubstanceUse& u = in.substance_uses[ref.index];
            return {{"type", "substance_use"},
                    {"id", u.id},
                    {"at", core::FormatRfc3339(u.taken_at_ms)},
                    {"substance_class", u.substance_class},
                    {"substance", u.substance ? Json(*u.substance) : Json(nullptr)},
                    {"amount", u.amount ? Json(*u.amount) : Json(nullptr)},
                    {"unit", u.unit ? Json(*u.unit) : Json(nullptr)}};
        }
        case Kind::kAdverseEvent: {
            const core::AdverseEvent& e = in.adverse_events[ref.index];
            return {{"type", "adverse_event"},
                    {"id", e.id},
                    {"at", core::FormatRfc3339(e.onset_at_ms)},
                    {"description", e.description},
                    {"serious", e.serious}};
        }
    }
    return nullptr;
}

}  // namespace

std::string BuildTimeline(const TimelineInput& in) {
    const std::int32_t n_days = in.to_day - in.from_day + 1;
    std::vector<std::int64_t> starts;
    starts.reserve(static_cast<std::size_t>(n_days) + 1);
    for (std::int32_t d = in.from_day; d <= in.to_day + 1; ++d) {
        starts.push_back(core::LocalDayStartMs(d, in.timezone));
    }
    std::vector<Day> days(static_cast<std::size_t>(n_days));
    std::vector<EventRef> events;
    events.reserve(in.doses.size() + in.assessments.size() + in.substance_uses.size() +
                   in.adverse_events.size());

    for (std::size_t i = 0; i < in.doses.size(); ++i) {
        const core::Dose& dose = in.doses[i];
        const long k = DayIndex(starts, dose.taken_at_ms);
        if (k < 0) {
            continue;
        }
        Day& day = days[static_cast<std::size_t>(k)];
        ++day.dose_count;
        if (dose.amount_g) {
            day.amount_g += *dose.amount_g;
        } else {
            ++day.doses_without_grams;
        }
        if (dose.mitragynine_mg) {
            day.mitragynine_mg += *dose.mitragynine_mg;
        } else {
            ++day.doses_without_mitragynine;
        }
        if (dose.hydroxymitragynine_mg) {
            day.hydroxymitragynine_mg += *dose.hydroxymitragynine_mg;
        } else {
            ++day.doses_without_hydroxymitragynine;
        }
        if (dose.derivation_json.find("\"estimate\":true") != std::string::npos) {
            ++day.estimated_doses;
        }
        events.push_back({dose.taken_at_ms, Kind::kDose, i});
    }
    for (std::size_t i = 0; i < in.assessments.size(); ++i) {
        const core::Assessment& a = in.assessments[i];
        const long k = DayIndex(starts, a.taken_at_ms);
        if (k < 0) {
            continue;
        }
        ScaleDay& s = days[static_cast<std::size_t>(k)].scales[a.instrument];
        ++s.count;
        s.sum += a.total;
        s.max = s.count == 1 ? a.total : std::max(s.max, a.total);
        if (s.count == 1 || a.taken_at_ms >= s.last_at_ms) {
            s.last = a.total;
            s.last_at_ms = a.taken_at_ms;
        }
        events.push_back({a.taken_at_ms, Kind::kAssessment, i});
    }
    for (std::size_t i = 0; i < in.substance_uses.size(); ++i) {
        const core::SubstanceUse& u = in.substance_uses[i];
        const long k = DayIndex(starts, u.taken_at_ms);
        if (k < 0) {
            continue;
        }
        ++days[static_cast<std::size_t>(k)].substance_use[u.substance_class];
        events.push_back({u.taken_at_ms, Kind::kSubstanceUse, i});
    }
    for (std::size_t i = 0; i < in.adverse_events.size(); ++i) {
        const core::AdverseEvent& e = in.adverse_events[i];
        const long k = DayIndex(starts, e.onset_at_ms);
        if (k < 0) {
            continue;
        }
        ++days[static_cast<std::size_t>(k)].adverse_events;
        events.push_back({e.onset_at_ms, Kind::kAdverseEvent, i});
    }

    // The days are written straight to text: 365 small objects through a JSON DOM cost more
    // than reading the rows (bench/timeline).
    std::string days_text;
    days_text.reserve(static_cast<std::size_t>(n_days) * 420);
    days_text += '[';
    for (std::int32_t i = 0; i < n_days; ++i) {
        const Day& day = days[static_cast<std::size_t>(i)];
        const std::int32_t date = in.from_day + i;
        const auto k = static_cast<std::size_t>(i);
        if (i > 0) {
            days_text += ',';
        }
        days_text += "{\"date\":\"";
        AppendDate(days_text, date);
        days_text += "\",\"starts_at\":\"";
        AppendInstant(days_text, starts[k]);
        days_text += "\",\"hours\":";
        AppendNumber(days_text, static_cast<double>(starts[k + 1] - starts[k]) / 3600000.0);
        days_text += ",\"dose_count\":" + std::to_string(day.dose_count) + ",\"amount_g\":";
        AppendNumber(days_text, day.amount_g);
        days_text += ",\"mitragynine_mg\":";
        AppendNumber(days_text, day.mitragynine_mg);
        days_text += ",\"hydroxymitragynine_mg\":";
        AppendNumber(days_text, day.hydroxymitragynine_mg);
        days_text +=
            ",\"doses_without_grams\":" + std::to_string(day.doses_without_grams) +
            ",\"doses_without_mitragynine\":" + std::to_string(day.doses_without_mitragynine) +
            ",\"doses_without_hydroxymitragynine\":" +
            std::to_string(day.doses_without_hydroxymitragynine) +
            ",\"estimated_doses\":" + std::to_string(day.estimated_doses) + ",\"scales\":{";
        bool first = true;
        const ScaleDay* craving = nullptr;
        for (const auto& [instrument, sd] : day.scales) {
            if (!first) {
                days_text += ',';
            }
            first = false;
            AppendString(days_text, instrument);
            days_text += ':';
            AppendScale(days_text, sd);
            if (instrument == "craving-nrs") {
                craving = &sd;
            }
        }
        days_text += "},\"craving\":";
        if (craving != nullptr) {
            AppendScale(days_text, *craving);
        } else {
            days_text += "null";
        }
        days_text += ",\"substance_use\":{";
        first = true;
        for (const auto& [cls, count] : day.substance_use) {
            if (!first) {
                days_text += ',';
            }
            first = false;
            AppendString(days_text, cls);
            days_text += ':' + std::to_string(count);
        }
        days_text += "},\"adverse_events\":" + std::to_string(day.adverse_events) +
                     ",\"medications_active\":[";
        first = true;
        for (const auto& m : in.medications) {
            if (m.started_on <= date && (!m.stopped_on || *m.stopped_on >= date)) {
                if (!first) {
                    days_text += ',';
                }
                first = false;
                AppendString(days_text, m.name);
            }
        }
        days_text += "]}";
    }
    days_text += ']';

    std::sort(events.begin(), events.end(), [](const EventRef& a, const EventRef& b) {
        if (a.at_ms != b.at_ms) {
            return a.at_ms < b.at_ms;
        }
        return a.kind < b.kind;
    });
    Json events_json = Json::array();
    const std::size_t end = std::min(events.size(), in.offset + in.limit);
    for (std::size_t i = in.offset; i < end; ++i) {
        events_json.push_back(EventJson(in, events[i]));
    }
    Json medications = Json::array();
    for (const auto& m : in.medications) {
        if (m.started_on <= in.to_day && (!m.stopped_on || *m.stopped_on >= in.from_day)) {
            medications.push_back(
                {{"id", m.id},
                 {"name", m.name},
                 {"drug_id", m.drug_id ? Json(*m.drug_id) : Json(nullptr)},
                 {"started_on", core::FormatDate(m.started_on)},
                 {"stopped_on",
                  m.stopped_on ? Json(core::FormatDate(*m.stopped_on)) : Json(nullptr)}});
        }
    }
    Json head = {{"patient_id", in.patient_id},
                 {"timezone", in.timezone},
                 {"from", core::FormatDate(in.from_day)},
                 {"to", core::FormatDate(in.to_day)},
                 {"medications", medications},
                 {"events", events_json},
                 {"event_count", events.size()},
                 {"next_cursor", end < events.size() ? Json(std::to_string(end)) : Json(nullptr)}};
    std::string text = head.dump(-1, ' ', false, Json::error_handler_t::replace);
    text.pop_back();  // the closing brace: the days go last
    text += ",\"days\":";
    text += days_text;
    text += '}';
    return text;
}

}  // namespace mitra::api
