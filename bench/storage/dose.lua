-- wrk script: one durable patient-data write per request, as a clinician.
-- env: MITRA_TOKEN, MITRA_PID, MITRA_ENDPOINT = dose (POST .../doses, 201; default) or patch
-- (PATCH /api/v1/patients/{pid}, 200: the record, its history row and its audit entry).
local token = os.getenv("MITRA_TOKEN")
local pid = os.getenv("MITRA_PID")
local expected = 201
if os.getenv("MITRA_ENDPOINT") == "patch" then
  wrk.method = "PATCH"
  wrk.path = "/api/v1/patients/" .. pid
  wrk.body = '{"display_name":"Bench"}'
  expected = 200
else
  wrk.method = "POST"
  wrk.path = "/api/v1/patients/" .. pid .. "/doses"
  wrk.body = '{"amount":1,"unit":"g"}'
end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local non_2xx = 0
response = function(status, headers, body)
  if status ~= expected then non_2xx = non_2xx + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %d %d %.3f %.3f\n", summary.requests,
    summary.duration / 1e6, summary.errors.status, summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
