#pragma once
// JSON shapes of the foundation objects (DESIGN.md "Core shapes").

#include <nlohmann/json.hpp>

#include "core/accounts.hpp"

namespace mitra::api {

nlohmann::json ToJson(const core::Patient& patient);
nlohmann::json ToJson(const core::Consent& consent);
/// A user as others may see it (no secrets).
nlohmann::json ToJson(const core::User& user);
nlohmann::json ToJson(const core::Organization& org);

}  // namespace mitra::api
