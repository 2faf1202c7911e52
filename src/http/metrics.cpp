#include "http/metrics.hpp"

#include <cstdio>

namespace mitra::http {
namespace {

std::string EscapeLabel(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string FormatDouble(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

}  // namespace

void Metrics::ConnectionOpened() {
    const std::lock_guard lock(mutex_);
    ++connections_open_;
    ++connections_total_;
}

void Metrics::ConnectionClosed() {
    const std::lock_guard lock(mutex_);
    --connections_open_;
}

void Metrics::RequestStarted() {
    const std::lock_guard lock(mutex_);
    ++in_flight_;
}

void Metrics::RequestFinished(std::string_view method_label, std::string_view route, int status,
                              double duration_s) {
    const int status_class = status / 100;
    std::string status_label = status_class >= 1 && status_class <= 5
                                   ? std::to_string(status_class) + "xx"
                                   : std::string("other");
    const std::lock_guard lock(mutex_);
    --in_flight_;
    ++requests_[{std::string(method_label), std::string(route), std::move(status_label)}];
    ++count_;
    sum_s_ += duration_s;
    for (std::size_t bucket_idx = 0; bucket_idx < kBucketBounds_s.size(); ++bucket_idx) {
        if (duration_s <= kBucketBounds_s[bucket_idx]) {
            ++buckets_[bucket_idx];
            break;
        }
    }
}

std::string Metrics::RenderPrometheus() const {
    const std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(2048 + requests_.size() * 96);
    out += "# HELP mitra_http_requests_total HTTP requests answered, by method, route template "
           "and status class.\n";
    out += "# TYPE mitra_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
        const auto& [method, route, status] = key;
        out += "mitra_http_requests_total{method=\"" + EscapeLabel(method) + "\",route=\"" +
               EscapeLabel(route) + "\",status=\"" + status + "\"} " + std::to_string(count) +
               "\n";
    }
    out += "# HELP mitra_http_request_duration_seconds Time from a complete request to its "
           "response being written.\n";
    out += "# TYPE mitra_http_request_duration_seconds histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t bucket_idx = 0; bucket_idx < kBucketBounds_s.size(); ++bucket_idx) {
        cumulative += buckets_[bucket_idx];
        out += "mitra_http_request_duration_seconds_bucket{le=\"" +
               FormatDouble(kBucketBounds_s[bucket_idx]) + "\"} " + std::to_string(cumulative) +
               "\n";
    }
    out += "mitra_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) +
           "\n";
    out += "mitra_http_request_duration_seconds_sum " + FormatDouble(sum_s_) + "\n";
    out += "mitra_http_request_duration_seconds_count " + std::to_string(count_) + "\n";
    out += "# HELP mitra_http_requests_in_flight Requests being processed.\n";
    out += "# TYPE mitra_http_requests_in_flight gauge\n";
    out += "mitra_http_requests_in_flight " + std::to_string(in_flight_) + "\n";
    out += "# HELP mitra_http_connections_open Open client connections.\n";
    out += "# TYPE mitra_http_connections_open gauge\n";
    out += "mitra_http_connections_open " + std::to_string(connections_open_) + "\n";
    out += "# HELP mitra_http_connections_total Client connections accepted.\n";
    out += "# TYPE mitra_http_connections_total counter\n";
    out += "mitra_http_connections_total " + std::to_string(connections_total_) + "\n";
    return out;
}

std::string Metrics::RenderWorkerPoolPrometheus(std::size_t threads, std::size_t runnable_limit,
                                                std::size_t write_limit, std::uint64_t jobs,
                                                std::uint64_t stall_wakes) {
    std::string out;
    const auto add = [&out](std::string_view name, std::string_view type, std::string_view help,
                            std::uint64_t value) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
        out.append(name).append(" ").append(std::to_string(value)).append("\n");
    };
    add("mitra_http_worker_threads", "gauge", "Threads of the pool that runs blocking work.",
        threads);
    add("mitra_http_worker_runnable_limit", "gauge",
        "Workers that run at once while none waits (one per CPU unless set).", runnable_limit);
    add("mitra_http_worker_write_limit", "gauge",
        "Workers that requests which may write (not GET/HEAD) hold at most at once; the other "
        "workers stay for reads.",
        write_limit);
    add("mitra_http_worker_jobs_total", "counter", "Jobs the worker pool has started.", jobs);
    add("mitra_http_worker_stall_wakes_total", "counter",
        "Workers woken because queued jobs went untaken while every running worker waited "
        "without declaring it.",
        stall_wakes);
    return out;
}

}  // namespace mitra::http
