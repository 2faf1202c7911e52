#include "api/routes.hpp"

namespace mitra::api {

void AddClinicalRoutes(Router& /*router*/) {}

}  // namespace mitra::api
