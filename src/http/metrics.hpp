#pragma once
// Transport metrics for /metrics in the Prometheus text exposition format (version 0.0.4):
//   mitra_http_requests_total{method,route,status}   counter (status is the class: "2xx", ...)
//   mitra_http_request_duration_seconds               histogram over all requests
//   mitra_http_requests_in_flight                     gauge
//   mitra_http_connections_open                       gauge
//   mitra_http_connections_total                      counter
// and, from RenderWorkerPoolPrometheus (worker_pool.hpp):
//   mitra_http_worker_threads, mitra_http_worker_runnable_limit,
//   mitra_http_worker_write_limit                                  gauges
//   mitra_http_worker_jobs_total, mitra_http_worker_stall_wakes_total  counters
// Labels are bounded: method is MethodLabel(), route is a route template, "static", "metrics"
// or "unmatched" — never a raw path. Thread-safe (one mutex; updates are a few map operations).

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace mitra::http {

class Metrics {
public:
    void ConnectionOpened();
    void ConnectionClosed();
    void RequestStarted();
    /// Ends a request started with RequestStarted(); `duration_s` in seconds.
    void RequestFinished(std::string_view method_label, std::string_view route, int status,
                         double duration_s);
    /// The exposition text (ends with a newline).
    std::string RenderPrometheus() const;
    /// The worker pool's lines (ends with a newline).
    static std::string RenderWorkerPoolPrometheus(std::size_t threads, std::size_t runnable_limit,
                                                  std::size_t write_limit, std::uint64_t jobs,
                                                  std::uint64_t stall_wakes);

    /// Upper bounds of the latency histogram buckets, in seconds (+Inf is implicit).
    static constexpr std::array<double, 14> kBucketBounds_s = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};

private:
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> requests_;
    std::array<std::uint64_t, kBucketBounds_s.size()> buckets_{};
    std::uint64_t count_ = 0;
    double sum_s_ = 0.0;
    std::int64_t in_flight_ = 0;
    std::int64_t connections_open_ = 0;
    std::uint64_t connections_total_ = 0;
};

}  // namespace mitra::http
