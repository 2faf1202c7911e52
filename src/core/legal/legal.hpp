#pragma once
// Legal status of kratom by jurisdiction, with history, and its lookup.
//
// A Dataset is a list of Records loaded from data/legal/*.json (src/api/catalog/legal_json.hpp)
// or from an operator-supplied file. Each record is one period of one jurisdiction:
// [effective_from, effective_to), dates as days since 1970-01-01 (core/time.hpp ParseDate).
// An absent effective_from means the start date was NOT FOUND in the sources (the record's
// `effective_from_note` says so); such a record is taken to apply to any date before its
// effective_to, and a lookup result flags it.
//
// Jurisdiction ids:
//   country      ISO 3166-1 alpha-2, upper case:            "TH", "US", "GB"
//   subdivision  ISO 3166-2 (country + "-" + 1-3 alnum):    "US-TX", "US-DC"
//   locality     subdivision + "-" + lower-case ASCII slug:  "US-CA-san-diego",
//                "US-FL-sarasota-county" (slug: [a-z0-9]+ joined by single hyphens)
// Lookup falls back locality -> subdivision -> country and never guesses beyond that.
//
// Pure and deterministic; values only; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mitra::core::legal {

enum class Status { kLegal, kRegulated, kRestricted, kBanned, kUnclear };
enum class Level { kCountry, kSubdivision, kLocality };
enum class Confidence { kLow, kLowMedium, kMedium, kMediumHigh, kHigh };

/// "legal" | "regulated" | "restricted" | "banned" | "unclear".
const char* StatusName(Status status) noexcept;
std::optional<Status> ParseStatus(std::string_view text);
/// "country" | "subdivision" | "locality".
const char* LevelName(Level level) noexcept;
/// "low" | "low-medium" | "medium" | "medium-high" | "high" (domain.md §7 column).
const char* ConfidenceName(Confidence confidence) noexcept;
std::optional<Confidence> ParseConfidence(std::string_view text);

struct Source {
    std::string citation;
    std::string url;       // empty when domain.md gives none
    std::string evidence;  // "V" | "S" (domain.md tags)
};

/// A product limit in force, e.g. a 7-OH cap. `value`/`unit` are absent for limits stated
/// only in words.
struct Limit {
    std::string id;         // e.g. "7oh-percent-alkaloid-fraction"
    std::string substance;  // e.g. "7-hydroxymitragynine"
    std::optional<double> value;
    std::string unit;       // e.g. "% of alkaloid fraction", "% dry weight"
    std::string text;       // the rule in words, as the source states it
    std::string evidence;   // "V" | "S"
};

struct Record {
    std::string jurisdiction;
    std::string name;  // "Texas", "San Diego (city)"
    Status status = Status::kUnclear;
    std::string summary;
    std::optional<int> minimum_age;
    std::vector<Limit> limits;
    std::optional<std::int32_t> effective_from;  // days since epoch; absent = NOT FOUND
    std::string effective_from_note;             // required when effective_from is absent
    std::optional<std::int32_t> effective_to;    // exclusive; absent = still in force
    std::vector<Source> sources;
    std::int32_t last_verified = 0;  // days since epoch
    Confidence confidence = Confidence::kLow;
    std::string notes;
};

struct Dataset {
    std::string version;
    std::string last_verified_basis;  // how last_verified dates were chosen
    std::vector<Record> records;
};

struct LookupResult {
    Record record;
    std::string requested;  // normalised id that was asked for
    Level matched_level = Level::kCountry;
    std::int32_t age_days = 0;  // reference day minus record.last_verified
    bool start_date_unknown = false;  // record has no effective_from
};

/// Level of a well-formed id, or nullopt if the id is malformed.
std::optional<Level> ParseLevel(std::string_view jurisdiction);

/// Upper-cases the ISO parts and lower-cases a locality slug ("us-ca-San-Diego" ->
/// "US-CA-san-diego"). Returns nullopt when the id is malformed.
std::optional<std::string> NormalizeJurisdiction(std::string_view jurisdiction);

/// The record in force for `jurisdiction` on `on_day` (days since epoch), falling back from
/// locality to subdivision to country. nullopt = no record (unknown jurisdiction, malformed
/// id, or no period covering the day) — never a guess.
/// @param today_day reference day for age_days (the caller's clock); defaults to on_day.
std::optional<LookupResult> Lookup(const Dataset& dataset, std::string_view jurisdiction,
                                   std::int32_t on_day,
                                   std::optional<std::int32_t> today_day = std::nullopt);

/// All problems of a dataset, one line each naming the record ("records[3] (US-TX): ..."):
/// malformed or non-normalised ids, no source, empty citation, bad evidence tag, missing
/// note for an unknown start date, effective_to not after effective_from, overlapping periods
/// of one jurisdiction, minimum_age out of 0..120, duplicate limit ids. Empty = valid.
std::vector<std::string> Validate(const Dataset& dataset);

/// Throws ValidationError(field "legal", all problems joined) if Validate finds any.
void ValidateOrThrow(const Dataset& dataset);

}  // namespace mitra::core::legal
