#include "http/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace mitra::http {
namespace {

/// Formatted lines to a file descriptor: written at once, or held for a scheduled flush.
class JsonLinesSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit JsonLinesSink(int fd) : fd_(fd) {}
    ~JsonLinesSink() override {
        const std::lock_guard lock(mutex_);
        WriteWaiting();
    }

    void SetSchedule(std::function<void()> schedule) {
        const std::lock_guard lock(mutex_);
        WriteWaiting();
        schedule_ = std::move(schedule);
        scheduled_ = false;
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        formatter_->format(msg, waiting_);
        if (!schedule_ || waiting_.size() >= kLogBatchBytes) {
            WriteWaiting();
        } else if (!scheduled_) {
            scheduled_ = true;
            schedule_();
        }
    }
    void flush_() override {
        WriteWaiting();
        scheduled_ = false;
    }

private:
    void WriteWaiting() {
        const char* data = waiting_.data();
        std::size_t left = waiting_.size();
        while (left > 0) {
            const ssize_t written = ::write(fd_, data, left);
            if (written < 0 && errno == EINTR) {
                continue;
            }
            if (written <= 0) {
                break;  // a closed or full stderr: the lines are lost, as with stdio
            }
            data += written;
            left -= static_cast<std::size_t>(written);
        }
        waiting_.clear();
    }

    const int fd_;
    spdlog::memory_buf_t waiting_;
    std::function<void()> schedule_;
    bool scheduled_ = false;  // schedule_ was called and its flush has not run yet
};

}  // namespace

std::shared_ptr<spdlog::logger> MakeJsonLogger(std::string_view name, std::string_view level,
                                               int fd) {
    const std::string level_name(level);
    const spdlog::level::level_enum parsed = spdlog::level::from_str(level_name);
    // from_str answers "off" for any name it does not know; only accept that for "off" itself.
    if (parsed == spdlog::level::off && level_name != "off") {
        throw std::invalid_argument("unknown log level '" + level_name +
                                    "' (trace, debug, info, warn, error, critical, off)");
    }
    auto logger =
        std::make_shared<spdlog::logger>(std::string(name), std::make_shared<JsonLinesSink>(fd));
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    return logger;
}

void BatchLogWrites(spdlog::logger& logger, std::function<void()> schedule) {
    for (const spdlog::sink_ptr& sink : logger.sinks()) {
        if (auto* lines = dynamic_cast<JsonLinesSink*>(sink.get())) {
            lines->SetSchedule(schedule);
        }
    }
}

namespace {

/// Appends `text` as the body of a JSON string (without the quotes).
void AppendEscaped(fmt::memory_buffer& out, std::string_view text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(u));
        } else {
            out.push_back(c);
        }
    }
}

void AppendField(fmt::memory_buffer& out, std::string_view name, std::string_view value) {
    out.push_back(',');
    out.push_back('"');
    out.append(name);
    out.append(std::string_view("\":\""));
    AppendEscaped(out, value);
    out.push_back('"');
}

}  // namespace

void LogRequest(spdlog::logger& logger, std::string_view request_id, std::string_view method,
                std::string_view route, int status, double duration_ms, std::size_t bytes) {
    if (!logger.should_log(spdlog::level::info)) {
        return;
    }
    fmt::memory_buffer line;
    line.append(std::string_view("\"event\":\"request\""));
    AppendField(line, "request_id", request_id);
    AppendField(line, "method", method);
    AppendField(line, "route", route);
    fmt::format_to(std::back_inserter(line), ",\"status\":{},\"duration_ms\":{},\"bytes\":{}",
                   status, duration_ms, bytes);
    logger.log(spdlog::level::info, "{}", std::string_view(line.data(), line.size()));
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
