#include "http/log.hpp"

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace mitra::http {

std::shared_ptr<spdlog::logger> MakeJsonLogger(std::string_view name, std::string_view level) {
    const std::string level_name(level);
    const spdlog::level::level_enum parsed = spdlog::level::from_str(level_name);
    // from_str answers "off" for any name it does not know; only accept that for "off" itself.
    if (parsed == spdlog::level::off && level_name != "off") {
        throw std::invalid_argument("unknown log level '" + level_name +
                                    "' (trace, debug, info, warn, error, critical, off)");
    }
    auto logger = std::make_shared<spdlog::logger>(
        std::string(name), std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    return logger;
}

void LogJson(spdlog::logger& logger, spdlog::level::level_enum level,
             const nlohmann::ordered_json& fields) {
    if (!logger.should_log(level)) {
        return;
    }
    // dump() of an object is "{...}"; the pattern supplies the braces and the ts/level fields.
    const std::string text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (fields.empty() || text.size() < 2) {
        return;
    }
    const std::string_view inner = std::string_view(text).substr(1, text.size() - 2);
    logger.log(level, "{}", inner);
}

}  // namespace mitra::http
