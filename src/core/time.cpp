#include "core/time.hpp"

#include <charconv>
#include <chrono>
#include <string>

#include <date/date.h>
#include <date/tz.h>

namespace mitra::core {
namespace {

using std::chrono::milliseconds;

bool ParseInt(std::string_view text, int& out) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc{};
}

std::optional<date::year_month_day> ParseYmd(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    int year = 0;
    int month = 0;
    int day = 0;
    if (!ParseInt(text.substr(0, 4), year) || !ParseInt(text.substr(5, 2), month) ||
        !ParseInt(text.substr(8, 2), day)) {
        return std::nullopt;
    }
    const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return ymd;
}

}  // namespace

std::string FormatRfc3339(std::int64_t unix_ms) {
    // Every JSON answer formats its times here, so it is written out digit by digit: through
    // date::format (an ostringstream per call) it was 4 % of the server's CPU on a read.
    const date::sys_time<milliseconds> tp{milliseconds{unix_ms}};
    const auto day = date::floor<date::days>(tp);
    const date::year_month_day ymd{day};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        return date::format("%FT%TZ", tp);  // never stored; kept exact all the same
    }
    const std::int64_t in_day = (tp - day).count();  // 0 .. 86'399'999
    const auto put = [](char* at, std::int64_t value, int digits) {
        for (int i = digits - 1; i >= 0; --i) {
            at[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    std::string out(24, '\0');  // YYYY-MM-DDTHH:MM:SS.mmmZ
    char* p = out.data();
    put(p, year, 4);
    p[4] = '-';
    put(p + 5, static_cast<unsigned>(ymd.month()), 2);
    p[7] = '-';
    put(p + 8, static_cast<unsigned>(ymd.day()), 2);
    p[10] = 'T';
    put(p + 11, in_day / 3'600'000, 2);
    p[13] = ':';
    put(p + 14, in_day / 60'000 % 60, 2);
    p[16] = ':';
    put(p + 17, in_day / 1000 % 60, 2);
    p[19] = '.';
    put(p + 20, in_day % 1000, 3);
    p[23] = 'Z';
    return out;
}

std::optional<std::int64_t> ParseRfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+hh:mm|-hh:mm)
    if (text.size() < 20) {
        return std::nullopt;
    }
    const auto ymd = ParseYmd(text.substr(0, 10));
    if (!ymd || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!ParseInt(text.substr(11, 2), hour) || !ParseInt(text.substr(14, 2), minute) ||
        !ParseInt(text.substr(17, 2), second) || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t fraction_ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 3) {
                fraction_ms = fraction_ms * 10 + (text[pos] - '0');
            }
            ++digits;
            ++pos;
        }
        if (pos == start || digits > 9) {
            return std::nullopt;
        }
        for (int pad = digits; pad < 3; ++pad) {
            fraction_ms *= 10;
        }
    }
    if (pos >= text.size()) {
        return std::nullopt;
    }
    std::int64_t offset_min = 0;
    const std::string_view zone = text.substr(pos);
    if (zone == "Z" || zone == "z") {
        offset_min = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int oh = 0;
        int om = 0;
        if (!ParseInt(zone.substr(1, 2), oh) || !ParseInt(zone.substr(4, 2), om) || oh > 23 ||
            om > 59) {
            return std::nullopt;
        }
        offset_min = (oh * 60 + om) * (zone[0] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    const date::sys_days days{*ymd};
    const std::int64_t day_ms =
        std::chrono::duration_cast<milliseconds>(days.time_since_epoch()).count();
    const std::int64_t second_of_day = hour * 3600 + minute * 60 + std::min(second, 59);
    return day_ms + second_of_day * 1000 + fraction_ms - offset_min * 60 * 1000;
}

std::optional<std::int32_t> ParseDate(std::string_view text) {
    const auto ymd = ParseYmd(text);
    if (!ymd) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(date::sys_days{*ymd}.time_since_epoch().count());
}

std::string FormatDate(std::int32_t days_since_epoch) {
    const date::sys_days day{date::days{days_since_epoch}};
    return date::format("%F", day);
}

bool IsValidTimeZone(const std::string& zone) {
    if (zone.empty() || zone.size() > 64) {
        return false;
    }
    try {
        return date::locate_zone(zone) != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

namespace {

/// The zone named `name`: looked up once per thread and name in a row (a patient's whole record
/// is converted in one zone; locate_zone searches the database by name each time).
const date::time_zone* Zone(const std::string& name) {
    thread_local std::string last_name;
    thread_local const date::time_zone* last_zone = nullptr;
    if (last_zone == nullptr || name != last_name) {
        last_zone = date::locate_zone(name);  // throws for an unknown name, caching nothing
        last_name = name;
    }
    return last_zone;
}

}  // namespace

std::int32_t LocalDay(std::int64_t unix_ms, const std::string& zone) {
    const date::sys_time<milliseconds> tp{milliseconds{unix_ms}};
    const auto local = date::make_zoned(Zone(zone), tp).get_local_time();
    return static_cast<std::int32_t>(date::floor<date::days>(local).time_since_epoch().count());
}

std::int64_t LocalDayStartMs(std::int32_t day, const std::string& zone) {
    const date::local_days local{date::days{day}};
    // A zone may skip midnight (DST at 00:00): take the earliest instant of that local day.
    const auto zoned = date::make_zoned(Zone(zone), local, date::choose::earliest);
    return std::chrono::duration_cast<milliseconds>(
               zoned.get_sys_time().time_since_epoch())
        .count();
}

}  // namespace mitra::core
