#include "core/legal/legal.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "core/error.hpp"

namespace mitra::core::legal {

namespace {

bool IsUpperAlpha(char c) { return c >= 'A' && c <= 'Z'; }
bool IsUpperAlnum(char c) { return IsUpperAlpha(c) || (c >= '0' && c <= '9'); }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::vector<std::string> SplitHyphen(std::string_view text) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == '-') {
            parts.push_back(current);
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    parts.push_back(current);
    return parts;
}

std::string Upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

std::string Lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

bool ValidCountry(const std::string& part) {
    return part.size() == 2 && IsUpperAlpha(part[0]) && IsUpperAlpha(part[1]);
}

bool ValidSubdivision(const std::string& part) {
    return !part.empty() && part.size() <= 3 && std::all_of(part.begin(), part.end(), IsUpperAlnum);
}

bool ValidSlugPart(const std::string& part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), IsLowerAlnum);
}

bool Covers(const Record& record, std::int32_t day) {
    return (!record.effective_from || *record.effective_from <= day) &&
           (!record.effective_to || day < *record.effective_to);
}

}  // namespace

const char* StatusName(Status status) noexcept {
    switch (status) {
        case Status::kLegal:
            return "legal";
        case Status::kRegulated:
            return "regulated";
        case Status::kRestricted:
            return "restricted";
        case Status::kBanned:
            return "banned";
        case Status::kUnclear:
            return "unclear";
    }
    return "unclear";
}

std::optional<Status> ParseStatus(std::string_view text) {
    for (Status s : {Status::kLegal, Status::kRegulated, Status::kRestricted, Status::kBanned,
                     Status::kUnclear}) {
        if (text == StatusName(s)) {
            return s;
        }
    }
    return std::nullopt;
}

const char* LevelName(Level level) noexcept {
    switch (level) {
        case Level::kCountry:
            return "country";
        case Level::kSubdivision:
            return "subdivision";
        case Level::kLocality:
            return "locality";
    }
    return "country";
}

const char* ConfidenceName(Confidence confidence) noexcept {
    switch (confidence) {
        case Confidence::kLow:
            return "low";
        case Confidence::kLowMedium:
            return "low-medium";
        case Confidence::kMedium:
            return "medium";
        case Confidence::kMediumHigh:
            return "medium-high";
        case Confidence::kHigh:
            return "high";
    }
    return "low";
}

std::optional<Confidence> ParseConfidence(std::string_view text) {
    for (Confidence c : {Confidence::kLow, Confidence::kLowMedium, Confidence::kMedium,
                         Confidence::kMediumHigh, Confidence::kHigh}) {
        if (text == ConfidenceName(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::optional<std::string> NormalizeJurisdiction(std::string_view jurisdiction) {
    std::vector<std::string> parts = SplitHyphen(jurisdiction);
    std::string out = Upper(parts[0]);
    if (!ValidCountry(out)) {
        return std::nullopt;
    }
    if (parts.size() >= 2) {
        std::string sub = Upper(parts[1]);
        if (!ValidSubdivision(sub)) {
            return std::nullopt;
        }
        out += "-" + sub;
    }
    for (std::size_t i = 2; i < parts.size(); ++i) {
        std::string slug = Lower(parts[i]);
        if (!ValidSlugPart(slug)) {
            return std::nullopt;
        }
        out += "-" + slug;
    }
    return out;
}

std::optional<Level> ParseLevel(std::string_view jurisdiction) {
    std::optional<std::string> normal = NormalizeJurisdiction(jurisdiction);
    if (!normal || *normal != jurisdiction) {
        return std::nullopt;
    }
    const std::size_t parts = SplitHyphen(jurisdiction).size();
    return parts == 1 ? Level::kCountry : parts == 2 ? Level::kSubdivision : Level::kLocality;
}

std::optional<LookupResult> Lookup(const Dataset& dataset, std::string_view jurisdiction,
                                   std::int32_t on_day, std::optional<std::int32_t> today_day) {
    std::optional<std::string> normal = NormalizeJurisdiction(jurisdiction);
    if (!normal) {
        return std::nullopt;
    }
    std::vector<std::string> parts = SplitHyphen(*normal);
    // Candidates from the most specific to the country.
    std::vector<std::pair<std::string, Level>> candidates;
    if (parts.size() >= 3) {
        candidates.emplace_back(*normal, Level::kLocality);
    }
    if (parts.size() >= 2) {
        candidates.emplace_back(parts[0] + "-" + parts[1], Level::kSubdivision);
    }
    candidates.emplace_back(parts[0], Level::kCountry);
    for (const auto& [id, level] : candidates) {
        for (const Record& record : dataset.records) {
            if (record.jurisdiction == id && Covers(record, on_day)) {
                LookupResult result;
                result.record = record;
                result.requested = *normal;
                result.matched_level = level;
                result.age_days = today_day.value_or(on_day) - record.last_verified;
                result.start_date_unknown = !record.effective_from.has_value();
                return result;
            }
        }
    }
    return std::nullopt;
}

std::vector<std::string> Validate(const Dataset& dataset) {
    std::vector<std::string> problems;
    std::map<std::string, std::vector<std::size_t>> by_jurisdiction;
    for (std::size_t i = 0; i < dataset.records.size(); ++i) {
        const Record& r = dataset.records[i];
        const std::string where = "records[" + std::to_string(i) + "] (" + r.jurisdiction + "): ";
        auto problem = [&](const std::string& text) { problems.push_back(where + text); };
        if (!ParseLevel(r.jurisdiction)) {
            problem("jurisdiction is not a normalised ISO 3166-1/3166-2/locality id");
        }
        if (r.sources.empty()) {
            problem("needs at least one source");
        }
        for (const Source& s : r.sources) {
            if (s.citation.empty()) {
                problem("a source has an empty citation");
            }
            if (s.evidence != "V" && s.evidence != "S") {
                problem("source evidence must be V or S");
            }
        }
        if (!r.effective_from && r.effective_from_note.empty()) {
            problem("effective_from is null without an effective_from_note saying why");
        }
        if (r.effective_from && r.effective_to && *r.effective_to <= *r.effective_from) {
            problem("effective_to must be after effective_from");
        }
        if (r.minimum_age && (*r.minimum_age < 0 || *r.minimum_age > 120)) {
            problem("minimum_age must be between 0 and 120");
        }
        std::set<std::string> limit_ids;
        for (const Limit& limit : r.limits) {
            if (limit.id.empty() || !limit_ids.insert(limit.id).second) {
                problem("limit ids must be non-empty and unique");
            }
            if (limit.text.empty()) {
                problem("limit '" + limit.id + "' needs its text");
            }
            if (limit.evidence != "V" && limit.evidence != "S") {
                problem("limit '" + limit.id + "' evidence must be V or S");
            }
        }
        if (r.summary.empty()) {
            problem("summary is empty");
        }
        by_jurisdiction[r.jurisdiction].push_back(i);
    }
    constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
    constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
    for (auto& [id, indexes] : by_jurisdiction) {
        std::sort(indexes.begin(), indexes.end(), [&](std::size_t a, std::size_t b) {
            return dataset.records[a].effective_from.value_or(kMin) <
                   dataset.records[b].effective_from.value_or(kMin);
        });
        for (std::size_t k = 1; k < indexes.size(); ++k) {
            const Record& prev = dataset.records[indexes[k - 1]];
            const Record& next = dataset.records[indexes[k]];
            if (prev.effective_to.value_or(kMax) > next.effective_from.value_or(kMin)) {
                problems.push_back("records[" + std::to_string(indexes[k]) + "] (" + id +
                                   "): period overlaps records[" +
                                   std::to_string(indexes[k - 1]) + "]");
            }
        }
    }
    return problems;
}

void ValidateOrThrow(const Dataset& dataset) {
    std::vector<std::string> problems = Validate(dataset);
    if (problems.empty()) {
        return;
    }
    std::string message = "invalid legal dataset: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
        message += (i == 0 ? "" : "; ") + problems[i];
    }
    throw ValidationError("legal", message);
}

}  // namespace mitra::core::legal
