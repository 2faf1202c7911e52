#include "api/json_input.hpp"
#include "api/json_output.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

bool IsJsonContentType(const HttpRequest& request) {
    auto it = request.headers.find("content-type");
    if (it == request.headers.end()) {
        return false;
    }
    std::string value = it->second;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto semicolon = value.find(';');
    std::string media = value.substr(0, semicolon);
    media.erase(std::remove_if(media.begin(), media.end(),
                               [](unsigned char c) { return std::isspace(c) != 0; }),
                media.end());
    if (media != "application/json" && !(media.size() > 5 && media.ends_with("+json"))) {
        return false;
    }
    // JSON is UTF-8 (RFC 8259 §8.1): a charset parameter, if given, must say so.
    std::size_t at = semicolon;
    while (at != std::string::npos) {
        const auto next = value.find(';', at + 1);
        std::string parameter =
            value.substr(at + 1, next == std::string::npos ? next : next - at - 1);
        parameter.erase(std::remove_if(parameter.begin(), parameter.end(),
                                       [](unsigned char c) {
                                           return std::isspace(c) != 0 || c == '"';
                                       }),
                        parameter.end());
        if (parameter.starts_with("charset=") && parameter != "charset=utf-8" &&
            parameter != "charset=utf8") {
            return false;
        }
        at = next;
    }
    return true;
}

const char* TypeName(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null: return "null";
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::string: return "a string";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: return "a number";
        default: return "an unsupported value";
    }
}

}  // namespace

Json ParseJsonObject(const HttpRequest& request) {
    if (!IsJsonContentType(request)) {
        throw Error(ErrorCode::kUnsupportedMediaType, "the body must be application/json in UTF-8",
                    "content-type");
    }
    Json body;
    try {
        body = Json::parse(request.body);
    } catch (const Json::parse_error& e) {
        std::string message = "malformed JSON";
        // nlohmann's messages describe position and invalid UTF-8 without echoing content.
        if (std::string_view(e.what()).find("UTF-8") != std::string_view::npos) {
            message = "the body is not valid UTF-8";
        }
        throw ValidationError("body", message + " (at byte " + std::to_string(e.byte) + ")");
    } catch (const Json::exception&) {
        // e.g. a number too large for a double (1e999)
        throw ValidationError("body", "the body holds a number out of range");
    }
    if (!body.is_object()) {
        throw ValidationError("body", "the body must be a JSON object");
    }
    return body;
}

ObjectReader::ObjectReader(const Json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
    if (!object_.is_object()) {
        throw ValidationError(prefix_.empty() ? "body" : prefix_, "must be a JSON object");
    }
}

std::string ObjectReader::FieldName(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
}

const Json* ObjectReader::Find(std::string_view name) {
    seen_.emplace_back(name);
    auto it = object_.find(std::string(name));
    if (it == object_.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

const Json* ObjectReader::Optional(std::string_view name) { return Find(name); }

const Json& ObjectReader::Require(std::string_view name) {
    const Json* value = Find(name);
    if (value == nullptr) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<std::string> ObjectReader::OptionalString(std::string_view name,
                                                        std::size_t max_len) {
    const Json* value = Find(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        throw ValidationError(FieldName(name),
                              FieldName(name) + " must be a string, not " + TypeName(*value));
    }
    const auto& text = value->get_ref<const std::string&>();
    if (text.find('\0') != std::string::npos) {
        // Valid JSON and UTF-8, but no text field has a use for it and PostgreSQL cannot store it.
        throw ValidationError(FieldName(name),
                              FieldName(name) + " must not contain the NUL character (U+0000)");
    }
    if (text.size() > max_len) {
        throw ValidationError(FieldName(name), FieldName(name) + " is longer than " +
                                                   std::to_string(max_len) + " bytes");
    }
    return text;
}

std::string ObjectReader::RequireString(std::string_view name, std::size_t max_len) {
    auto value = OptionalString(name, max_len);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<double> ObjectReader::OptionalNumber(std::string_view name) {
    const Json* value = Find(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_number()) {
        throw ValidationError(FieldName(name),
                              FieldName(name) + " must be a number, not " + TypeName(*value));
    }
    const double number = value->get<double>();
    if (!std::isfinite(number)) {
        throw ValidationError(FieldName(name), FieldName(name) + " must be finite");
    }
    return number;
}

double ObjectReader::RequireNumber(std::string_view name) {
    auto value = OptionalNumber(name);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<bool> ObjectReader::OptionalBool(std::string_view name) {
    const Json* value = Find(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        throw ValidationError(FieldName(name),
                              FieldName(name) + " must be true or false, not " + TypeName(*value));
    }
    return value->get<bool>();
}

bool ObjectReader::RequireBool(std::string_view name) {
    auto value = OptionalBool(name);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<std::string> ObjectReader::OptionalId(std::string_view name) {
    auto value = OptionalString(name, 64);
    if (!value) {
        return std::nullopt;
    }
    if (!core::IsUuid(*value)) {
        throw ValidationError(FieldName(name), FieldName(name) + " must be a UUID");
    }
    std::string id = *value;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return id;
}

std::string ObjectReader::RequireId(std::string_view name) {
    auto value = OptionalId(name);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<std::int64_t> ObjectReader::OptionalTimestamp(std::string_view name) {
    auto value = OptionalString(name, 64);
    if (!value) {
        return std::nullopt;
    }
    auto ms = core::ParseRfc3339(*value);
    if (!ms) {
        throw ValidationError(FieldName(name),
                              FieldName(name) + " must be an RFC 3339 timestamp such as "
                                                "2026-01-31T08:00:00Z");
    }
    return ms;
}

std::int64_t ObjectReader::RequireTimestamp(std::string_view name) {
    auto value = OptionalTimestamp(name);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

std::optional<std::int32_t> ObjectReader::OptionalDate(std::string_view name) {
    auto value = OptionalString(name, 16);
    if (!value) {
        return std::nullopt;
    }
    auto day = core::ParseDate(*value);
    if (!day) {
        throw ValidationError(FieldName(name), FieldName(name) + " must be a date YYYY-MM-DD");
    }
    return day;
}

std::int32_t ObjectReader::RequireDate(std::string_view name) {
    auto value = OptionalDate(name);
    if (!value) {
        throw ValidationError(FieldName(name), FieldName(name) + " is required");
    }
    return *value;
}

void ObjectReader::Finish() {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end()) {
            const std::string field = FieldName(it.key().size() > 64 ? it.key().substr(0, 64)
                                                                      : it.key());
            throw ValidationError(field, "unknown field " + field);
        }
    }
}

std::string PathId(const std::string& value, const char* what) {
    if (!core::IsUuid(value)) {
        throw NotFoundError(std::string("no such ") + what);
    }
    std::string id = value;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return id;
}

std::optional<std::int64_t> QueryTimestamp(const HttpRequest& request, const char* name) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) {
        return std::nullopt;
    }
    auto ms = core::ParseRfc3339(it->second);
    if (!ms) {
        // Also accept a plain date, taken as midnight UTC.
        if (auto day = core::ParseDate(it->second)) {
            return static_cast<std::int64_t>(*day) * 86400000LL;
        }
        throw ValidationError(name, std::string(name) + " must be an RFC 3339 timestamp or a date");
    }
    return ms;
}

std::optional<long long> QueryInt(const HttpRequest& request, const char* name, long long lo,
                                  long long hi) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) {
        return std::nullopt;
    }
    long long value = 0;
    const auto& text = it->second;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || value < lo ||
        value > hi) {
        throw ValidationError(name, std::string(name) + " must be an integer from " +
                                        std::to_string(lo) + " to " + std::to_string(hi));
    }
    return value;
}

HttpResponse JsonResponse(int status, const Json& body) {
    HttpResponse response;
    response.status = status;
    response.body = DumpJson(body, Json::error_handler_t::replace);
    return response;
}

std::optional<std::string> ClientId(const HttpRequest& request, ObjectReader& in) {
    std::optional<std::string> id = in.OptionalId("id");
    auto it = request.headers.find("idempotency-key");
    if (it != request.headers.end() && !it->second.empty()) {
        std::string key = it->second;
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!core::IsUuid(key)) {
            throw ValidationError("Idempotency-Key", "Idempotency-Key must be a UUID");
        }
        if (id && *id != key) {
            throw ValidationError("id", "id and Idempotency-Key differ");
        }
        id = key;
    }
    return id;
}

}  // namespace mitra::api
