-- wrk workloads of `bench/run.sh` and `bench/compare.sh` (the same for Curbside and the reference).
--   BENCH_WORKLOAD=ping    POST /v1/drivers/{id}/location:report with that driver's own token
--   BENCH_WORKLOAD=nearby  GET /v1/nearbyDrivers as a passenger, 2 km around a random point
--   BENCH_WORKLOAD=get     GET /v1/trips/{id} as the trip's passenger (trips from `curbside-bench trips`)
-- Token files come from `curbside-bench seed` in CURBSIDE_BENCH_WORK. done() prints one
-- machine-readable WRK_RESULT line that the scripts turn into table rows.

local work = os.getenv("CURBSIDE_BENCH_WORK") or ".local/bench-work"
local workload = os.getenv("BENCH_WORKLOAD") or "ping"
-- The 30 km square of `CitySquare` (curbside-bench): centre and half-sides in degrees.
local side = tonumber(os.getenv("CURBSIDE_BENCH_SQUARE_METERS") or "30000")
local center_lat, center_lng = 40.7128, -74.0060
local half_lat = side / 2 / 111320
local half_lng = side / 2 / (111320 * math.cos(center_lat * math.pi / 180))

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local tokens = {}
local counter = 0
local round = 0

local function read_tokens(path)
  local list = {}
  for line in io.lines(path) do
    local id, token = line:match("^(%S+) (%S+)$")
    if id then list[#list + 1] = { id = id, token = token } end
  end
  return list
end

function init(args)
  local index = thread_index or 0
  local total = tonumber(os.getenv("BENCH_THREADS") or "1")
  math.randomseed(1000 + index)
  if workload == "ping" then
    -- Each driver belongs to one thread, so its record times only grow (no ping is out of order).
    for i, driver in ipairs(read_tokens(work .. "/drivers.tokens")) do
      if (i - 1) % total == index then tokens[#tokens + 1] = driver end
    end
  elseif workload == "get" then
    tokens = read_tokens(work .. "/trips.tokens")
  else
    tokens = read_tokens(work .. "/passengers.tokens")
  end
  if #tokens == 0 then
    -- An earlier phase produced nothing to call (every trip create failed, say): say so and stop.
    io.stderr:write("workload.lua: nothing to call for workload '" .. workload .. "' in " .. work .. "\n")
    os.exit(1)
  end
end

local function random_point(scale)
  return center_lat + (math.random() * 2 - 1) * half_lat * scale, center_lng + (math.random() * 2 - 1) * half_lng * scale
end

function request()
  counter = counter + 1
  local entry = tokens[(counter % #tokens) + 1]
  if counter % #tokens == 0 then round = round + 1 end
  local headers = { ["Authorization"] = "Bearer " .. entry.token }
  if workload == "ping" then
    local lat, lng = random_point(1)
    -- Whole seconds from the clock plus one millisecond per round over this thread's drivers:
    -- later pings of a driver always carry a later time.
    local body = string.format(
      '{"location":{"latitude":%.6f,"longitude":%.6f},"accuracyMeters":5,"recordTime":"%s.%03dZ"}',
      lat, lng, os.date("!%Y-%m-%dT%H:%M:%S"), round % 1000)
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/v1/drivers/" .. entry.id .. "/location:report", headers, body)
  end
  if workload == "get" then
    return wrk.format("GET", "/v1/" .. entry.id, headers)
  end
  local lat, lng = random_point(0.5)
  return wrk.format("GET", string.format("/v1/nearbyDrivers?latitude=%.6f&longitude=%.6f&radiusMeters=2000", lat, lng), headers)
end

-- BENCH_RATE (requests/s over all threads) paces the load: each thread sends its n-th request
-- at start + n / (its share of the rate), on whichever of its connections is free, so the rate
-- holds whatever the latency (as long as there are connections enough). wrk times each request
-- from when it was sent, so a server that falls behind the schedule shows as a lower rate, not
-- as latency: the row reports the rate reached.
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *now);
  ]]
  local now = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local sent, start = 0, nil
  function delay()
    local interval_ms = 1000 * tonumber(os.getenv("BENCH_THREADS") or "1") / rate
    start = start or now_ms()
    sent = sent + 1
    local wait = start + sent * interval_ms - now_ms()
    return wait > 0 and math.floor(wait) or 0
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("WRK_RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d non2xx=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
