#include "api/routes.hpp"

namespace mitra::api {

void AddSupervisionRoutes(Router& /*router*/) {}

}  // namespace mitra::api
