-- wrk script: one durable patient-data write per request, as a clinician.
-- env: MITRA_TOKEN, MITRA_PIDS (comma-separated patient ids, taken round-robin), MITRA_ENDPOINT =
-- dose (POST .../doses, 201; default) or patch (PATCH /api/v1/patients/{pid}, 200: the record,
-- its history row and its audit entry).
local token = os.getenv("MITRA_TOKEN")
local pids = {}
for pid in string.gmatch(os.getenv("MITRA_PIDS"), "[^,]+") do
  pids[#pids + 1] = pid
end
local patch = os.getenv("MITRA_ENDPOINT") == "patch"
local expected = patch and 200 or 201
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
local next_index = 0

request = function()
  next_index = next_index % #pids + 1
  local pid = pids[next_index]
  if patch then
    return wrk.format("PATCH", "/api/v1/patients/" .. pid, headers, '{"display_name":"Bench"}')
  end
  return wrk.format("POST", "/api/v1/patients/" .. pid .. "/doses", headers,
    '{"amount":1,"unit":"g"}')
end

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
