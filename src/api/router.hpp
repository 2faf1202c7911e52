#pragma once
// The route table of the HTTP API: method + path template ("/api/v1/patients/{pid}") →
// handler, access level and the OpenAPI description of the operation. The OpenAPI document is
// generated from this table, so an undocumented route cannot exist.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/context.hpp"

namespace mitra::api {

enum class Access {
    kPublic,          // no sign-in
    kSignedIn,        // a valid session
    kSignedInRestricted,  // a session that still has to enrol its second factor is enough
};

struct RouteDoc {
    std::string summary;
    std::string tag;
    nlohmann::json request_body;   // JSON Schema of the body, or null
    nlohmann::json response;       // JSON Schema of the success body, or null
    int success_status = 200;
    std::vector<std::string> query;  // documented query parameters
};

using Handler = std::function<HttpResponse(RequestContext&)>;

struct Route {
    std::string method;
    std::string pattern;
    Access access = Access::kSignedIn;
    Handler handler;
    RouteDoc doc;
    /// The handler writes a patient's facts and queues their safety evaluation
    /// (EvaluateAfterCommit) without reading alerts or holds, so it need not wait for earlier
    /// queued evaluations. Every other route does (DeferredEvaluation::Barrier).
    bool writes_facts = false;
};

struct RouteMatch {
    const Route* route = nullptr;                   // null: no route for this path+method
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;       // when the path matched another method
};

class Router {
public:
    void Add(Route route);
    /// Marks an added route as writing facts (Route::writes_facts); throws if there is none.
    void MarkWritesFacts(const std::string& method, const std::string& pattern);
    RouteMatch Match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    struct Segment {
        std::string text;    // the literal, or the parameter's name
        bool param = false;  // "{name}"
    };
    std::vector<Route> routes_;
    std::vector<std::vector<Segment>> segments_;  // per route, split once when added
};

}  // namespace mitra::api
