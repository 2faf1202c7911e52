#include "http/metrics.hpp"

#include <gtest/gtest.h>

namespace mitra::http {
namespace {

bool Contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(Metrics, CountsByMethodRouteAndStatusClass) {
    Metrics metrics;
    metrics.ConnectionOpened();
    for (int status : {200, 201, 404, 500}) {
        metrics.RequestStarted();
        metrics.RequestFinished("GET", "/api/v1/patients/{pid}", status, 0.0007);
    }
    metrics.RequestStarted();
    const std::string text = metrics.RenderPrometheus();
    EXPECT_TRUE(Contains(
        text, "mitra_http_requests_total{method=\"GET\",route=\"/api/v1/patients/{pid}\","
              "status=\"2xx\"} 2\n"));
    EXPECT_TRUE(Contains(text, "status=\"4xx\"} 1\n"));
    EXPECT_TRUE(Contains(text, "status=\"5xx\"} 1\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_requests_in_flight 1\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_connections_open 1\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_connections_total 1\n"));
}

TEST(Metrics, HistogramIsCumulative) {
    Metrics metrics;
    for (double duration_s : {0.00005, 0.0007, 0.003, 10.0}) {
        metrics.RequestStarted();
        metrics.RequestFinished("POST", "/x", 200, duration_s);
    }
    const std::string text = metrics.RenderPrometheus();
    EXPECT_TRUE(Contains(text, "# TYPE mitra_http_request_duration_seconds histogram\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_bucket{le=\"0.0001\"} 1\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_bucket{le=\"0.001\"} 2\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_bucket{le=\"0.005\"} 3\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_bucket{le=\"5\"} 3\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_count 4\n"));
    EXPECT_TRUE(Contains(text, "mitra_http_request_duration_seconds_sum 10.00375"));
}

TEST(Metrics, EscapesLabelValues) {
    Metrics metrics;
    metrics.RequestStarted();
    metrics.RequestFinished("GET", "a\"b\\c\nd", 200, 0.0);
    EXPECT_TRUE(Contains(metrics.RenderPrometheus(), R"(route="a\"b\\c\nd")"));
}

}  // namespace
}  // namespace mitra::http
