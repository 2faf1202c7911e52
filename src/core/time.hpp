#pragma once
// Time in mitra: instants are int64 milliseconds since the Unix epoch (UTC); the API speaks
// RFC 3339; a patient's day is the calendar day in their IANA time zone (date/tz, system tzdb).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mitra::core {

/// "2026-11-25T12:00:00.000Z".
std::string FormatRfc3339(std::int64_t unix_ms);

/// Parses RFC 3339 with a "Z" or "+hh:mm" offset and optional fraction (ms precision kept).
/// Returns nullopt for anything else (including out-of-range fields).
std::optional<std::int64_t> ParseRfc3339(std::string_view text);

/// Parses "YYYY-MM-DD" into days since 1970-01-01, or nullopt.
std::optional<std::int32_t> ParseDate(std::string_view text);
/// Formats days since 1970-01-01 as "YYYY-MM-DD".
std::string FormatDate(std::int32_t days_since_epoch);

/// True if `zone` names a time zone of the system database ("Europe/Paris", "UTC").
bool IsValidTimeZone(const std::string& zone);

/// The local calendar day (days since epoch) of an instant in `zone`.
/// REQUIRES: IsValidTimeZone(zone).
std::int32_t LocalDay(std::int64_t unix_ms, const std::string& zone);

/// The instant at which local day `day` begins in `zone` (handles DST: a day may be 23 or
/// 25 hours long). REQUIRES: IsValidTimeZone(zone).
std::int64_t LocalDayStartMs(std::int32_t day, const std::string& zone);

}  // namespace mitra::core
