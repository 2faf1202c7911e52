#pragma once
// The boundary between the HTTP transport (src/http, Boost.Beast) and the API (src/api).
//
// src/http parses bytes into an HttpRequest, calls Dispatcher::Handle on a worker thread (it
// blocks on the database), and writes the HttpResponse back. No Beast type crosses this line,
// so the API is tested without sockets.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mitra::api {

struct HttpRequest {
    std::string method;                         // upper case: "GET", "POST", ...
    std::string path;                           // percent-decoded path, no query string
    std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
    std::string request_id;                     // assigned by the transport, echoed back
    std::string remote_address;                 // peer IP, for rate limiting (never logged)
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
    /// Route template that matched ("/api/v1/patients/{pid}"), or empty. Logs and metrics use
    /// it instead of the raw path, so ids never reach a log line.
    std::string route;
};

/// What the transport calls for every request it does not serve itself.
/// Thread-safe: Handle runs concurrently on the worker pool.
class Dispatcher {
public:
    virtual ~Dispatcher() = default;
    /// Produces the response for one request. Never throws: errors become 4xx/5xx responses.
    virtual HttpResponse Handle(const HttpRequest& request) = 0;
    /// Extra Prometheus text appended to /metrics (may be empty).
    virtual std::string MetricsText() { return {}; }
};

/// Builds the DESIGN error body {"error": {"code", "message", "field"}}.
HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message,
                           const std::string& field = {});

}  // namespace mitra::api
