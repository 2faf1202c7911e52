#include "http/log.hpp"

#include <sstream>

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

}  // namespace
}  // namespace mitra::http
