#pragma once
// Small builders for the JSON Schemas in the OpenAPI document.

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mitra::api::schema {

using Json = nlohmann::json;

inline Json Str(std::string format = {}) {
    Json s = {{"type", "string"}};
    if (!format.empty()) {
        s["format"] = format;
    }
    return s;
}
inline Json Num() { return {{"type", "number"}}; }
inline Json Int() { return {{"type", "integer"}}; }
inline Json Bool() { return {{"type", "boolean"}}; }
inline Json Enum(std::initializer_list<const char*> values) {
    Json s = {{"type", "string"}, {"enum", Json::array()}};
    for (const char* v : values) {
        s["enum"].push_back(v);
    }
    return s;
}
inline Json Nullable(Json s) { return {{"anyOf", {std::move(s), {{"type", "null"}}}}}; }
inline Json Array(Json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
inline Json AnyObject() { return {{"type", "object"}}; }
inline Json Obj(std::initializer_list<std::pair<const char*, Json>> properties,
                std::initializer_list<const char*> required = {}, bool closed = true) {
    Json s = {{"type", "object"}, {"properties", Json::object()}};
    for (const auto& [name, prop] : properties) {
        s["properties"][name] = prop;
    }
    if (required.size() > 0) {
        s["required"] = Json::array();
        for (const char* r : required) {
            s["required"].push_back(r);
        }
    }
    if (closed) {
        s["additionalProperties"] = false;
    }
    return s;
}

}  // namespace mitra::api::schema
