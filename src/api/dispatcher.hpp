#pragma once
// The API's implementation of the transport's Dispatcher: routes a request, authenticates it,
// runs the handler, and turns every mitra::Error into the DESIGN error shape. Errors are
// mapped to HTTP status in exactly one switch (StatusFor).

#include <atomic>
#include <string>

#include "api/context.hpp"
#include "api/router.hpp"
#include "core/error.hpp"

namespace mitra::api {

int StatusFor(ErrorCode code) noexcept;

class ApiDispatcher final : public Dispatcher {
public:
    explicit ApiDispatcher(ApiServices& services);

    HttpResponse Handle(const HttpRequest& request) override;
    std::string MetricsText() override;

    const Router& router() const { return router_; }

private:
    HttpResponse Dispatch(const HttpRequest& request, std::string& route_out);

    ApiServices& services_;
    Router router_;
    std::string openapi_json_;
    std::atomic<std::uint64_t> unavailable_{0};
    std::atomic<std::uint64_t> internal_errors_{0};
    std::atomic<std::uint64_t> auth_failures_{0};
};

}  // namespace mitra::api
