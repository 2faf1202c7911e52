#include "api/dispatcher.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

std::optional<std::string> BearerToken(const HttpRequest& request) {
    auto it = request.headers.find("authorization");
    if (it == request.headers.end()) {
        return std::nullopt;
    }
    const std::string& value = it->second;
    constexpr std::string_view kPrefix = "Bearer ";
    if (value.size() <= kPrefix.size() ||
        !std::equal(kPrefix.begin(), kPrefix.end(), value.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return std::string();  // present but malformed
    }
    return value.substr(kPrefix.size());
}

/// Says why requests get 503 (the database's own words: a full disk, a refused connection), at
/// most once a second, with how many more did since the last line. Storage messages name no
/// patient data (they are what the 503 answers carry).
void LogUnavailable(const std::string& route, const std::string& request_id, const char* why) {
    static std::atomic<std::int64_t> last_ns{0};
    static std::atomic<std::uint64_t> unlogged{0};
    const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::int64_t last = last_ns.load(std::memory_order_relaxed);
    if ((last != 0 && now - last < 1'000'000'000) ||
        !last_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
        unlogged.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    nlohmann::ordered_json line{{"ts", core::FormatRfc3339(core::SystemClock().NowMs())},
                                {"level", "warning"},
                                {"event", "unavailable"},
                                {"route", route},
                                {"request_id", request_id},
                                {"error", why},
                                {"also_unavailable_since_last_line",
                                 unlogged.exchange(0, std::memory_order_relaxed)}};
    std::cerr << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

int StatusFor(ErrorCode code) noexcept {
    // When adding an ErrorCode, add its status here; no default, so -Wswitch flags omissions.
    switch (code) {
        case ErrorCode::kInvalid: return 400;
        case ErrorCode::kUnauthenticated: return 401;
        case ErrorCode::kForbidden: return 403;
        case ErrorCode::kNotFound: return 404;
        case ErrorCode::kMethodNotAllowed: return 405;
        case ErrorCode::kConflict: return 409;
        case ErrorCode::kPayloadTooLarge: return 413;
        case ErrorCode::kUnsupportedMediaType: return 415;
        case ErrorCode::kRateLimited: return 429;
        case ErrorCode::kUnavailable: return 503;
        case ErrorCode::kInternal: return 500;
    }
    return 500;
}

Router BuildRouter() {
    Router router;
    AddFoundationRoutes(router);
    AddClinicalRoutes(router);
    AddProductRoutes(router);
    AddPkRoutes(router);
    AddSupervisionRoutes(router);
    AddNoteRoutes(router);
    router.Add({"GET", "/api/v1/openapi.json", Access::kPublic, nullptr,
                {"This OpenAPI 3.1 document", "operations", nullptr,
                 nlohmann::json{{"type", "object"}}}});
    return router;
}

ApiDispatcher::ApiDispatcher(ApiServices& services)
    : services_(services), router_(BuildRouter()) {
    openapi_json_ = BuildOpenApi(router_).dump();
}

HttpResponse ApiDispatcher::Handle(const HttpRequest& request) {
    std::string route;
    HttpResponse response;
    try {
        response = Dispatch(request, route);
    } catch (const Error& e) {
        const int status = StatusFor(e.code());
        if (e.code() == ErrorCode::kUnavailable) {
            ++unavailable_;
            LogUnavailable(route, request.request_id, e.what());
        } else if (e.code() == ErrorCode::kInternal) {
            ++internal_errors_;
            std::cerr << R"({"level":"error","msg":"internal error","route":")" << route
                      << R"(","request_id":")" << request.request_id << "\"}\n";
        }
        response = ErrorResponse(status, e.slug(),
                                 e.code() == ErrorCode::kInternal ? "internal error" : e.what(),
                                 e.field());
        if (e.retry_after_s() > 0) {
            response.headers.emplace_back("Retry-After", std::to_string(e.retry_after_s()));
        }
        if (e.code() == ErrorCode::kUnavailable) {
            response.headers.emplace_back("Retry-After", "1");
        }
    } catch (const std::exception&) {
        ++internal_errors_;
        std::cerr << R"({"level":"error","msg":"unexpected exception","route":")" << route
                  << R"(","request_id":")" << request.request_id << "\"}\n";
        response = ErrorResponse(500, "internal", "internal error");
    }
    // Empty when no route matched: the transport then labels the request "unmatched" and may
    // answer a client-side route of the web app with index.html.
    response.route = route;
    return response;
}

HttpResponse ApiDispatcher::Dispatch(const HttpRequest& request, std::string& route_out) {
    const RouteMatch match = router_.Match(request.method, request.path);
    if (match.route == nullptr) {
        if (!match.allowed_methods.empty()) {
            std::string allow;
            for (const auto& m : match.allowed_methods) {
                allow += (allow.empty() ? "" : ", ") + m;
            }
            HttpResponse response = ErrorResponse(405, "method_not_allowed",
                                                  "method " + request.method + " is not allowed here",
                                                  "method");
            response.headers.emplace_back("Allow", allow);
            return response;
        }
        return ErrorResponse(404, "not_found", "no such endpoint", "path");
    }
    const Route& route = *match.route;
    route_out = route.pattern;
    if (route.pattern == "/api/v1/openapi.json") {
        HttpResponse response;
        response.body = openapi_json_;
        return response;
    }
    RequestContext ctx{request, match.params, services_, std::nullopt};
    if (route.access != Access::kPublic) {
        const auto token = BearerToken(request);
        if (!token) {
            ++auth_failures_;
            HttpResponse response =
                ErrorResponse(401, "unauthenticated", "sign in first (Authorization: Bearer)");
            response.headers.emplace_back("WWW-Authenticate", "Bearer");
            return response;
        }
        ctx.principal = Authenticate(services_, *token);
        if (!ctx.principal) {
            ++auth_failures_;
            HttpResponse response = ErrorResponse(
                401, "unauthenticated", "the session is unknown, expired or signed out");
            response.headers.emplace_back("WWW-Authenticate", "Bearer");
            return response;
        }
        if (ctx.principal->restricted && route.access != Access::kSignedInRestricted) {
            return ErrorResponse(403, "totp_required",
                                 "your clinic requires a second factor: enrol one at "
                                 "POST /api/v1/me/totp first");
        }
    }
    if (!route.writes_facts) {
        // This request may read alerts or a taper hold: let the evaluations of earlier writes
        // finish first, so every reader sees the consequences of every acknowledged write.
        services_.evaluations.Barrier();
    }
    return route.handler(ctx);
}

std::string ApiDispatcher::MetricsText() {
    const DeferredEvaluation& evaluations = services_.evaluations;
    auto number = [](std::uint64_t v) { return static_cast<double>(v); };
    std::vector<core::Storage::Metric> metrics = {
        {"mitra_api_unavailable_total",
         "Requests answered 503 because the database was unavailable.", number(unavailable_)},
        {"mitra_api_internal_errors_total", "Requests that failed with a fault of ours.",
         number(internal_errors_)},
        {"mitra_api_auth_failures_total", "Requests rejected for a missing or dead token.",
         number(auth_failures_)},
        {"mitra_alert_evaluations_total", "Safety-rule evaluations run after writes.",
         number(evaluations.Evaluations())},
        {"mitra_alert_evaluation_failures_total",
         "Safety-rule evaluations after a write that failed (the scheduler's next pass retries "
         "them).",
         number(evaluations.Failures())},
        {"mitra_alert_evaluations_queued", "Patients whose writes await evaluation.",
         number(evaluations.Pending()), false},
    };
    for (auto& m : services_.storage.Metrics()) {
        metrics.push_back(std::move(m));
    }
    metrics.push_back({"mitra_audit_reads_stored_total", "Read-audit entries stored.",
                       number(services_.read_audit.StoredCount())});
    std::string out;
    for (const auto& m : metrics) {
        char value[32];
        // Counts exactly (they pass 1e9 on a busy server); durations to 9 digits.
        const bool whole = m.value == std::floor(m.value) && std::fabs(m.value) < 9e15;
        std::snprintf(value, sizeof value, whole ? "%.0f" : "%.9g", m.value);
        out += "# HELP " + m.name + " " + m.help + "\n";
        out += "# TYPE " + m.name + (m.counter ? " counter\n" : " gauge\n");
        out += m.name + " " + value + "\n";
    }
    return out;
}

}  // namespace mitra::api
