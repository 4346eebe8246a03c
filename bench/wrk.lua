-- The load of bench/perf.py, for wrk. Settings come from the environment:
--   WRK_PATH  the request path; with WRK_WIDTHS ("FIRST COUNT", the cold scenario) a template
--             where {w} becomes a width from FIRST to FIRST + COUNT - 1, in turn, and {t} a token
--             unique to this run, thread and batch, so no request repeats
--   WRK_RUN   the run's id (part of {t})
--   WRK_IF_NONE_MATCH  sent as If-None-Match when set (the revalidate scenario)
-- done() prints one JSON line with the figures bench/perf.py reads.

local template = os.getenv("WRK_PATH")
local first, count = (os.getenv("WRK_WIDTHS") or ""):match("^(%d+) (%d+)$")
local cold = first ~= nil
first, count = tonumber(first), tonumber(count)
local run = os.getenv("WRK_RUN") or "0"
local validator = os.getenv("WRK_IF_NONE_MATCH")
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  if validator and validator ~= "" then
    wrk.headers["If-None-Match"] = validator
  end
end

function request()
  if not cold then
    return wrk.format("GET", template)
  end
  counter = counter + 1
  local width = first + (counter % count)
  local token = run .. "x" .. id .. "x" .. math.floor(counter / count)
  local path = template:gsub("{w}", tostring(width))
  path = path:gsub("{t}", token)
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, "http_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
