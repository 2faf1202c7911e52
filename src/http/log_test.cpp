#include "http/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

namespace mitra::http {
namespace {

TEST(LogRequest, WritesOneParseableJsonObjectWithEveryField) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("test", sink);
    logger.set_pattern("{%v}");  // MakeJsonLogger adds ts and level the same way
    logger.set_level(spdlog::level::info);
    LogRequest(logger, "req-1", "GET", "/api/v1/x\"y\\z\n", 201, 1.5, 42);
    const auto line = out.str();
    ASSERT_FALSE(line.empty());
    const auto json = nlohmann::json::parse(line.substr(0, line.find_last_of('}') + 1));
    EXPECT_EQ(json.at("event"), "request");
    EXPECT_EQ(json.at("request_id"), "req-1");
    EXPECT_EQ(json.at("method"), "GET");
    EXPECT_EQ(json.at("route"), "/api/v1/x\"y\\z\n");  // escaped, round-trips
    EXPECT_EQ(json.at("status"), 201);
    EXPECT_DOUBLE_EQ(json.at("duration_ms").get<double>(), 1.5);
    EXPECT_EQ(json.at("bytes"), 42);
}

TEST(LogRequest, WritesNothingBelowItsLevel) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("test", sink);
    logger.set_level(spdlog::level::warn);
    LogRequest(logger, "req-1", "GET", "/healthz", 200, 0.1, 2);
    EXPECT_TRUE(out.str().empty());
}

/// A pipe whose read end never blocks: Read() answers what has been written so far.
class Pipe {
public:
    Pipe() {
        EXPECT_EQ(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0);
        ::fcntl(fds_[1], F_SETPIPE_SZ, 1024 * 1024);  // room for the batch limit and more
    }
    ~Pipe() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    int write_fd() const { return fds_[1]; }
    std::string Read() {
        std::string out;
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fds_[0], buffer, sizeof buffer)) > 0) {
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int fds_[2] = {-1, -1};
};

std::size_t Lines(const std::string& text) {
    std::size_t count = 0;
    for (const char c : text) {
        count += c == '\n' ? 1 : 0;
    }
    return count;
}

TEST(JsonLogger, WritesEachLineAtOnceUnlessBatched) {
    Pipe pipe;
    auto logger = MakeJsonLogger("test", "info", pipe.write_fd());
    LogRequest(*logger, "req-1", "GET", "/healthz", 200, 0.1, 2);
    const std::string line = pipe.Read();
    ASSERT_EQ(Lines(line), 1u);
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json.at("level"), "info");
    EXPECT_EQ(json.at("request_id"), "req-1");
    EXPECT_EQ(json.at("ts").get<std::string>().back(), 'Z');
}

TEST(JsonLogger, BatchedLinesWaitForTheScheduledFlushAndKeepTheirOrder) {
    Pipe pipe;
    auto logger = MakeJsonLogger("test", "info", pipe.write_fd());
    int scheduled = 0;
    BatchLogWrites(*logger, [&] { ++scheduled; });
    LogRequest(*logger, "req-1", "GET", "/a", 200, 0.1, 2);
    LogRequest(*logger, "req-2", "GET", "/b", 200, 0.1, 2);
    EXPECT_EQ(pipe.Read(), "") << "info lines wait for the flush";
    EXPECT_EQ(scheduled, 1) << "one flush asked for per batch";
    logger->flush();
    std::string out = pipe.Read();
    ASSERT_EQ(Lines(out), 2u);
    EXPECT_LT(out.find("req-1"), out.find("req-2"));

    // The next batch asks again; a warning writes it, and itself, at once and in order.
    LogRequest(*logger, "req-3", "GET", "/c", 200, 0.1, 2);
    EXPECT_EQ(scheduled, 2);
    LogJson(*logger, spdlog::level::warn, nlohmann::ordered_json{{"event", "slow"}});
    out = pipe.Read();
    ASSERT_EQ(Lines(out), 2u);
    EXPECT_LT(out.find("req-3"), out.find("\"slow\""));

    // Ending the batching writes what waits; then every line goes at once again.
    LogRequest(*logger, "req-4", "GET", "/d", 200, 0.1, 2);
    EXPECT_EQ(pipe.Read(), "");
    BatchLogWrites(*logger, {});
    EXPECT_NE(pipe.Read().find("req-4"), std::string::npos);
    LogRequest(*logger, "req-5", "GET", "/e", 200, 0.1, 2);
    EXPECT_NE(pipe.Read().find("req-5"), std::string::npos);
    EXPECT_EQ(scheduled, 3);
}

TEST(JsonLogger, ABatchThatReachesTheLimitIsWrittenWithoutAFlush) {
    Pipe pipe;
    auto logger = MakeJsonLogger("test", "info", pipe.write_fd());
    BatchLogWrites(*logger, [] {});
    std::size_t logged = 0;
    std::string out;
    while (out.empty()) {
        LogRequest(*logger, "req-" + std::to_string(logged), "GET", "/x", 200, 0.1, 2);
        ++logged;
        out = pipe.Read();
        ASSERT_LT(logged, 10000u) << "the batch never reached the limit";
    }
    EXPECT_GE(out.size(), kLogBatchBytes);
    EXPECT_EQ(Lines(out), logged) << "every line so far, whole";
}

TEST(JsonLogger, LinesStillWaitingWhenTheLoggerEndsAreWritten) {
    Pipe pipe;
    {
        auto logger = MakeJsonLogger("test", "info", pipe.write_fd());
        BatchLogWrites(*logger, [] {});
        LogRequest(*logger, "req-last", "GET", "/x", 200, 0.1, 2);
        EXPECT_EQ(pipe.Read(), "");
    }
    EXPECT_NE(pipe.Read().find("req-last"), std::string::npos);
}

}  // namespace
}  // namespace mitra::http
