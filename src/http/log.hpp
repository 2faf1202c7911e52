#pragma once
// Structured logging: one JSON object per line on stderr,
//   {"ts":"2025-01-01T12:00:00.123Z","level":"info","event":"request",...}
// built on spdlog. Callers pass only the fields; never put a raw path, query, body, header
// value or any patient identifier into a log line. The logger is thread-safe (spdlog _mt sink).

#include <cstddef>
#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <spdlog/common.h>

namespace spdlog {
class logger;
}

namespace mitra::http {

/// A logger writing JSON lines to stderr at `level` ("trace", "debug", "info", "warn", "error",
/// "critical", "off"). Not registered in spdlog's global registry.
/// @throws std::invalid_argument for an unknown level name.
std::shared_ptr<spdlog::logger> MakeJsonLogger(std::string_view name, std::string_view level);

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
