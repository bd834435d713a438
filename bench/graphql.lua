-- wrk script for the hindsight GraphQL API (used by bench/load.sh).
--
-- Environment:
--   HINDSIGHT_TOKEN  bearer token (required)
--   BENCH_OP         read   : POST incidents(first: 20) { totalCount edges { node {
--                             id number title status reporter { id name } } } }  (default)
--                    report : POST reportIncident with a unique title per request
--   BENCH_READ_BODY  optional: another JSON body for `read` (experiments)
--
-- A response counts as an error when its status is not 200 or its body carries a
-- GraphQL "errors" entry. done() prints one machine-readable line:
--   RESULT op=read requests=N duration_s=S rps=R p50_ms=A p99_ms=B non2xx=N graphql_errors=N socket_errors=N

local op = os.getenv("BENCH_OP") or "read"
local token = os.getenv("HINDSIGHT_TOKEN") or ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

if op == "read" and os.getenv("BENCH_READ_BODY") then
  -- For experiments: another read query, e.g. without totalCount.
  wrk.body = os.getenv("BENCH_READ_BODY")
elseif op == "read" then
  wrk.body = '{"query":"{ incidents(first: 20) { totalCount edges { node '
    .. '{ id number title status reporter { id name } } } } }"}'
elseif op ~= "report" then
  error("BENCH_OP must be read or report, not " .. op)
end

local REPORT_QUERY = "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id number } }"
local SERVICES = { "checkout", "payments", "search", "auth", "email", "billing", "api-gateway", "storage" }

-- Main environment: remember the threads so done() can read their counters. -------

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- Thread environment (globals, so that done() can read them with thread:get). -----

tid = 0
sent = 0
graphql_errors = 0

local function report_body()
  sent = sent + 1
  local service = SERVICES[(sent % #SERVICES) + 1]
  return string.format(
    '{"query":"%s","variables":{"input":{"title":"bench t%d-%d: %s p99 latency above SLO",'
      .. '"description":"Synthetic incident created by bench/load.sh.","service":"%s","source":"%s"}}}',
    REPORT_QUERY,
    tid,
    sent,
    service,
    service,
    (sent % 3 == 0) and "MANUAL" or "MONITORING"
  )
end

if op == "report" then
  function request()
    return wrk.format(nil, nil, nil, report_body())
  end
end

-- Reading every body in Lua costs wrk more CPU than the server spends answering (on two
-- shared cores it cut the measured read rate from about 4,000 to 1,100 requests/s), so the
-- body check is opt-in: BENCH_CHECK=1. load.sh checks one answer of each kind with curl
-- before measuring, and wrk counts non-2xx statuses on its own.
local check = os.getenv("BENCH_CHECK") == "1"

local function check_body(status, headers, body)
  if status == 200 and body ~= nil and string.find(body, '"errors"', 1, true) ~= nil then
    graphql_errors = graphql_errors + 1
    if graphql_errors <= 3 then
      io.stderr:write("graphql error: " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end

if check then
  response = check_body
end

function done(summary, latency, requests)
  local gql = 0
  for _, t in ipairs(threads) do
    gql = gql + (t:get("graphql_errors") or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT op=%s requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f "
      .. "non2xx=%d graphql_errors=%d socket_errors=%d\n",
    op,
    summary.requests,
    secs,
    summary.requests / secs,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    e.status,
    gql,
    e.connect + e.read + e.write + e.timeout
  ))
end
