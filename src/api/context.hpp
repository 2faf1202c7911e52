#pragma once
// What every handler receives: the services (storage, clock, randomness, configuration) and
// the per-request context (request, path parameters, the signed-in principal).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/audit_batcher.hpp"
#include "api/deferred_evaluation.hpp"
#include "api/http_types.hpp"
#include "core/accounts.hpp"
#include "core/ids.hpp"
#include "core/ports.hpp"

namespace mitra::api {

/// Security settings (not clinical numbers; operators may tune them).
struct ApiConfig {
    std::int64_t session_ttl_ms = 12LL * 3600 * 1000;
    int max_failures_per_account = 5;        // per email, within the window
    int max_failures_per_address = 50;       // per client address, within the window
    std::int64_t failure_window_ms = 15LL * 60 * 1000;
    std::int64_t lockout_ms = 15LL * 60 * 1000;
};

struct ApiServices {
    core::Storage& storage;
    core::Clock& clock;
    core::Random& random;
    AuditBatcher& read_audit;
    DeferredEvaluation& evaluations;
    ApiConfig config;
};

/// The signed-in caller.
struct Principal {
    core::User user;
    core::Organization organization;
    std::string token_hash;
    /// True when the organization requires a second factor that this user has not enrolled:
    /// only enrolment and sign-out are allowed.
    bool restricted = false;
};

struct RequestContext {
    const HttpRequest& request;
    std::map<std::string, std::string> params;
    ApiServices& services;
    std::optional<Principal> principal;

    const Principal& Me() const { return *principal; }
    std::int64_t Now() const { return services.clock.NowMs(); }
    std::string NewId() const { return core::NewId(services.clock, services.random); }
};

}  // namespace mitra::api
