#pragma once
// Route registration, one function per area of the API; BuildRouter assembles them all.

#include "api/router.hpp"

namespace mitra::api {

void AddFoundationRoutes(Router& router);
void AddClinicalRoutes(Router& router);   // products, lots, doses, assessments, timeline, ...
void AddProductRoutes(Router& router);    // compliance, legal status
void AddPkRoutes(Router& router);         // simulations, exposure
void AddSupervisionRoutes(Router& router);  // alerts, taper plans
void AddNoteRoutes(Router& router);         // clinical notes

/// Every route of the API, including the OpenAPI document itself.
Router BuildRouter();

/// The OpenAPI 3.1 document describing `router`.
nlohmann::json BuildOpenApi(const Router& router);

}  // namespace mitra::api
