#include "api/routes.hpp"

namespace mitra::api {

void AddPkRoutes(Router& /*router*/) {}

}  // namespace mitra::api
