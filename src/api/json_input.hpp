#pragma once
// Strict reading of JSON request bodies. Every failure is a ValidationError naming the field:
// malformed JSON or invalid UTF-8 (field "body"), wrong types, missing required fields,
// unknown fields, overlong strings, invalid ids and timestamps.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"

namespace mitra::api {

using Json = nlohmann::json;

inline constexpr std::size_t kMaxShortString = 256;
inline constexpr std::size_t kMaxLongString = 4000;

/// Parses the body as a JSON object. Requires Content-Type application/json (415 otherwise).
Json ParseJsonObject(const HttpRequest& request);

/// A JSON object whose fields are read once each; Finish() rejects fields never read.
class ObjectReader {
public:
    ObjectReader(const Json& object, std::string prefix = {});

    std::string RequireString(std::string_view name, std::size_t max_len = kMaxShortString);
    std::optional<std::string> OptionalString(std::string_view name,
                                              std::size_t max_len = kMaxShortString);
    double RequireNumber(std::string_view name);
    std::optional<double> OptionalNumber(std::string_view name);
    std::optional<bool> OptionalBool(std::string_view name);
    bool RequireBool(std::string_view name);
    /// A canonical UUID (lower-cased on return).
    std::string RequireId(std::string_view name);
    std::optional<std::string> OptionalId(std::string_view name);
    /// RFC 3339 timestamp → Unix ms.
    std::int64_t RequireTimestamp(std::string_view name);
    std::optional<std::int64_t> OptionalTimestamp(std::string_view name);
    /// "YYYY-MM-DD" → days since epoch.
    std::optional<std::int32_t> OptionalDate(std::string_view name);
    std::int32_t RequireDate(std::string_view name);
    /// A nested value (object/array), or nullptr if absent/null.
    const Json* Optional(std::string_view name);
    const Json& Require(std::string_view name);
    /// Fails with "unknown field" for the first field not read.
    void Finish();
    /// The full dotted name of a field, for nested readers and messages.
    std::string FieldName(std::string_view name) const;

private:
    const Json* Find(std::string_view name);

    const Json& object_;
    std::string prefix_;
    std::vector<std::string> seen_;
};

/// Reads an id path parameter, 404 when it is not a UUID (it cannot name anything).
std::string PathId(const std::string& value, const char* what);

/// Query parameters.
std::optional<std::int64_t> QueryTimestamp(const HttpRequest& request, const char* name);
std::optional<long long> QueryInt(const HttpRequest& request, const char* name, long long lo,
                                  long long hi);

HttpResponse JsonResponse(int status, const Json& body);

/// The client id of a create: body "id" (read from `in`) or the Idempotency-Key header, both
/// UUIDs and equal when both are given; nullopt when neither is.
std::optional<std::string> ClientId(const HttpRequest& request, ObjectReader& in);

}  // namespace mitra::api
