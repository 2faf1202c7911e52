#pragma once
// Structured logging: one JSON object per line on stderr,
//   {"ts":"2025-01-01T12:00:00.123Z","level":"info","event":"request",...}
// built on spdlog. Callers pass only the fields; never put a raw path, query, body, header
// value or any patient identifier into a log line. The logger is thread-safe (its sink has a
// mutex) and can hold lines for one write (BatchLogWrites).

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <spdlog/common.h>

namespace spdlog {
class logger;
}

namespace mitra::http {

/// A logger writing JSON lines to `fd` (stderr unless given) at `level` ("trace", "debug",
/// "info", "warn", "error", "critical", "off"), each line at once until BatchLogWrites says
/// otherwise. Not registered in spdlog's global registry.
/// @throws std::invalid_argument for an unknown level name.
std::shared_ptr<spdlog::logger> MakeJsonLogger(std::string_view name, std::string_view level,
                                               int fd = 2);

/// At most this many bytes of lines wait in memory; a line that reaches it writes them all.
inline constexpr std::size_t kLogBatchBytes = 64 * 1024;

/// Lets a logger made by MakeJsonLogger write its lines together. While `schedule` is set, a
/// line below warn waits in memory, and the first line into an empty buffer calls `schedule`
/// (under the sink's lock; it must not log), which must see to `logger.flush()` soon: the server
/// posts it to its I/O thread, so the access lines of one turn of its event loop go out in one
/// write(2) rather than one each. A line at warn or above, and kLogBatchBytes of lines, write
/// everything waiting at once, in order. An empty `schedule` writes what waits and makes every
/// line write at once again. Other loggers are left alone.
void BatchLogWrites(spdlog::logger& logger, std::function<void()> schedule);

/// The access-log line of one request, at info level, with the fields
///   "event":"request","request_id","method","route","status","duration_ms","bytes"
/// formatted without building a JSON document (this runs once per request). String fields are
/// escaped as JSON strings.
void LogRequest(spdlog::logger& logger, std::string_view request_id, std::string_view method,
                std::string_view route, int status, double duration_ms, std::size_t bytes);

/// Writes one line: ts, level, then `fields` (an object) in insertion order.
void LogJson(spdlog::logger& logger, spdlog::level::level_enum level,
             const nlohmann::ordered_json& fields);

}  // namespace mitra::http
