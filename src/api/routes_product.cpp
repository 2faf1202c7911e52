#include "api/routes.hpp"

namespace mitra::api {

void AddProductRoutes(Router& /*router*/) {}

}  // namespace mitra::api
