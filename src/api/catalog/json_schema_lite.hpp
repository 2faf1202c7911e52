#pragma once
// A small validator for the subset of JSON Schema (2020-12) that mitra's data schemas use:
// type, required, properties, additionalProperties (bool or schema), enum, const, items,
// minItems, maxItems, minimum, maximum, exclusiveMinimum, minLength, pattern, oneOf, anyOf,
// and local "$ref": "#/$defs/name". Annotation keywords ($schema, $id, title, description,
// $defs) are skipped; any other keyword is reported as unsupported, so a schema can never
// silently ask for a check this validator does not make.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mitra::api::catalog {

/// Returns one message per violation ("/items/3/options: ..."); empty when `instance` is valid.
std::vector<std::string> ValidateAgainstSchema(const nlohmann::json& schema,
                                               const nlohmann::json& instance);

}  // namespace mitra::api::catalog
