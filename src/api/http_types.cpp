#include "api/http_types.hpp"

#include <nlohmann/json.hpp>

namespace mitra::api {

HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message,
                           const std::string& field) {
    nlohmann::json error = {{"code", code}, {"message", message}};
    if (!field.empty()) {
        error["field"] = field;
    }
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json";
    // replace: a message that quotes caller input must not turn into a 500 on invalid UTF-8.
    response.body = nlohmann::json{{"error", std::move(error)}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

}  // namespace mitra::api
