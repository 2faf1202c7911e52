#include "api/catalog/json_schema_lite.hpp"

#include <regex>
#include <set>

namespace mitra::api::catalog {

namespace {

using nlohmann::json;

class Validator {
  public:
    explicit Validator(const json& root) : root_(root) {}

    void Check(const json& schema, const json& value, const std::string& path,
               std::vector<std::string>& errors) const {
        if (schema.is_boolean()) {
            if (!schema.get<bool>()) {
                errors.push_back(Where(path) + ": not allowed");
            }
            return;
        }
        if (!schema.is_object()) {
            errors.push_back(Where(path) + ": schema is not an object");
            return;
        }
        for (const auto& [keyword, argument] : schema.items()) {
            CheckKeyword(schema, keyword, argument, value, path, errors);
        }
    }

  private:
    static std::string Where(const std::string& path) { return path.empty() ? "/" : path; }

    static bool HasType(const json& value, const std::string& type) {
        if (type == "object") return value.is_object();
        if (type == "array") return value.is_array();
        if (type == "string") return value.is_string();
        if (type == "number") return value.is_number();
        if (type == "integer") {
            return value.is_number_integer() ||
                   (value.is_number_float() &&
                    value.get<double>() == static_cast<double>(value.get<long long>()));
        }
        if (type == "boolean") return value.is_boolean();
        if (type == "null") return value.is_null();
        return false;
    }

    const json& Resolve(const std::string& ref) const {
        static const json kNull;
        const std::string prefix = "#/$defs/";
        if (ref.rfind(prefix, 0) != 0 || !root_.contains("$defs") ||
            !root_.at("$defs").contains(ref.substr(prefix.size()))) {
            return kNull;
        }
        return root_.at("$defs").at(ref.substr(prefix.size()));
    }

    void CheckKeyword(const json& schema, const std::string& keyword, const json& argument,
                      const json& value, const std::string& path,
                      std::vector<std::string>& errors) const {
        static const std::set<std::string> kAnnotations = {"$schema",     "$id",   "title",
                                                           "description", "$defs", "$comment"};
        if (kAnnotations.count(keyword) != 0) {
            return;
        }
        if (keyword == "$ref") {
            const json& target = Resolve(argument.get<std::string>());
            if (target.is_null()) {
                errors.push_back(Where(path) + ": unresolvable $ref " + argument.dump());
                return;
            }
            Check(target, value, path, errors);
        } else if (keyword == "type") {
            bool ok = false;
            if (argument.is_array()) {
                for (const auto& type : argument) {
                    ok = ok || HasType(value, type.get<std::string>());
                }
            } else {
                ok = HasType(value, argument.get<std::string>());
            }
            if (!ok) {
                errors.push_back(Where(path) + ": expected type " + argument.dump());
            }
        } else if (keyword == "enum") {
            bool found = false;
            for (const auto& candidate : argument) {
                found = found || candidate == value;
            }
            if (!found) {
                errors.push_back(Where(path) + ": " + value.dump() + " is not one of " +
                                 argument.dump());
            }
        } else if (keyword == "const") {
            if (argument != value) {
                errors.push_back(Where(path) + ": must equal " + argument.dump());
            }
        } else if (keyword == "required") {
            if (value.is_object()) {
                for (const auto& name : argument) {
                    if (!value.contains(name.get<std::string>())) {
                        errors.push_back(Where(path) + ": missing required property " +
                                         name.dump());
                    }
                }
            }
        } else if (keyword == "properties") {
            if (value.is_object()) {
                for (const auto& [name, sub] : argument.items()) {
                    if (value.contains(name)) {
                        Check(sub, value.at(name), path + "/" + name, errors);
                    }
                }
            }
        } else if (keyword == "additionalProperties") {
            if (value.is_object()) {
                const json properties = schema.value("properties", json::object());
                for (const auto& [name, sub] : value.items()) {
                    if (properties.contains(name)) {
                        continue;
                    }
                    if (argument.is_boolean() && !argument.get<bool>()) {
                        errors.push_back(Where(path) + ": unexpected property \"" + name + "\"");
                    } else {
                        Check(argument, sub, path + "/" + name, errors);
                    }
                }
            }
        } else if (keyword == "items") {
            if (value.is_array()) {
                for (std::size_t i = 0; i < value.size(); ++i) {
                    Check(argument, value[i], path + "/" + std::to_string(i), errors);
                }
            }
        } else if (keyword == "minItems" || keyword == "maxItems") {
            if (value.is_array()) {
                const auto bound = argument.get<std::size_t>();
                if (keyword == "minItems" ? value.size() < bound : value.size() > bound) {
                    errors.push_back(Where(path) + ": " + keyword + " " + argument.dump());
                }
            }
        } else if (keyword == "minimum" || keyword == "maximum" || keyword == "exclusiveMinimum") {
            if (value.is_number()) {
                const double v = value.get<double>();
                const double bound = argument.get<double>();
                const bool ok = keyword == "minimum"   ? v >= bound
                                : keyword == "maximum" ? v <= bound
                                                       : v > bound;
                if (!ok) {
                    errors.push_back(Where(path) + ": " + keyword + " " + argument.dump());
                }
            }
        } else if (keyword == "minLength") {
            if (value.is_string() &&
                value.get<std::string>().size() < argument.get<std::size_t>()) {
                errors.push_back(Where(path) + ": shorter than " + argument.dump());
            }
        } else if (keyword == "pattern") {
            if (value.is_string() && !std::regex_search(value.get<std::string>(),
                                                        std::regex(argument.get<std::string>()))) {
                errors.push_back(Where(path) + ": does not match " + argument.dump());
            }
        } else if (keyword == "oneOf" || keyword == "anyOf") {
            int matches = 0;
            std::vector<std::string> branch_errors;
            for (const auto& branch : argument) {
                std::vector<std::string> sub;
                Check(branch, value, path, sub);
                if (sub.empty()) {
                    ++matches;
                } else {
                    branch_errors.insert(branch_errors.end(), sub.begin(), sub.end());
                }
            }
            if (keyword == "oneOf" ? matches != 1 : matches == 0) {
                std::string detail;
                for (const auto& e : branch_errors) {
                    detail += "; " + e;
                }
                errors.push_back(Where(path) + ": " + keyword + " matched " +
                                 std::to_string(matches) + " branches" + detail);
            }
        } else {
            errors.push_back(Where(path) + ": unsupported schema keyword \"" + keyword + "\"");
        }
    }

    const json& root_;
};

}  // namespace

std::vector<std::string> ValidateAgainstSchema(const json& schema, const json& instance) {
    std::vector<std::string> errors;
    Validator(schema).Check(schema, instance, "", errors);
    return errors;
}

}  // namespace mitra::api::catalog
