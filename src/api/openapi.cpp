#include <algorithm>

#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace mitra::api {
namespace {

nlohmann::json ErrorSchema() {
    namespace s = schema;
    return s::Obj({{"error", s::Obj({{"code", s::Str()}, {"message", s::Str()},
                                     {"field", s::Str()}},
                                    {"code", "message"})}},
                  {"error"});
}

std::string OperationId(const Route& route) {
    std::string id = route.method;
    std::transform(id.begin(), id.end(), id.begin(), ::tolower);
    for (char c : route.pattern) {
        id.push_back((std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_');
    }
    return id;
}

}  // namespace

nlohmann::json BuildOpenApi(const Router& router) {
    Json doc = {
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "mitra API"},
          {"version", "1"},
          {"description",
           "Supervised kratom-assisted recovery and tapering: dose journal, validated scales, "
           "exposure estimates, cited safety alerts, clinician supervision. Errors are "
           "{\"error\": {\"code\", \"message\", \"field\"}}."}}},
        {"paths", Json::object()},
        {"components",
         {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
          {"schemas", {{"Error", ErrorSchema()}}}}}};
    for (const Route& route : router.routes()) {
        std::string method = route.method;
        std::transform(method.begin(), method.end(), method.begin(), ::tolower);
        Json op = {{"summary", route.doc.summary},
                   {"operationId", OperationId(route)},
                   {"tags", Json::array({route.doc.tag})},
                   {"responses", Json::object()}};
        Json params = Json::array();
        std::size_t pos = 0;
        while ((pos = route.pattern.find('{', pos)) != std::string::npos) {
            const auto end = route.pattern.find('}', pos);
            params.push_back({{"name", route.pattern.substr(pos + 1, end - pos - 1)},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
            pos = end;
        }
        for (const std::string& q : route.doc.query) {
            params.push_back({{"name", q}, {"in", "query"}, {"required", false},
                              {"schema", {{"type", "string"}}}});
        }
        if (!params.empty()) {
            op["parameters"] = params;
        }
        if (!route.doc.request_body.is_null()) {
            op["requestBody"] = {
                {"required", true},
                {"content", {{"application/json", {{"schema", route.doc.request_body}}}}}};
        }
        Json success = {{"description", "success"}};
        if (!route.doc.response.is_null()) {
            success["content"] = {{"application/json", {{"schema", route.doc.response}}}};
        }
        op["responses"][std::to_string(route.doc.success_status)] = success;
        Json error_ref = {{"description", "error"},
                          {"content",
                           {{"application/json",
                             {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
        op["responses"]["4XX"] = error_ref;
        op["responses"]["5XX"] = error_ref;
        if (route.access != Access::kPublic) {
            op["security"] = Json::array({{{"bearer", Json::array()}}});
        }
        doc["paths"][route.pattern][method] = op;
    }
    return doc;
}

}  // namespace mitra::api
