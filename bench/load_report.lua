-- wrk script of bench/load.sh: a bounded request count, every status but the expected one (200 unless told)
-- counted as an error, and one machine-readable line of figures at the end.
--
--   wrk -t2 -c8 -d60s -s bench/load_report.lua URL -- MAX_REQUESTS THREADS [EXPECTED_STATUS]
--
-- wrk has no request count: each of the THREADS threads stops itself after its share of MAX_REQUESTS (0: no bound;
-- at least one request per thread). wrk still returns at the end of the duration, so req/s is worked out from each
-- thread's own running time. Responses that arrive after a thread stopped (its other connections' requests were
-- already sent) are reported apart as late_responses. wrk counts only socket errors and statuses above 399; every
-- page measured here answers 200 (a revalidated chart 304), and a 302 would be the login page (the session was
-- refused), so any other status is an error here. The figures line starts with "wrk-figures " and holds JSON.

local ffi = require("ffi")
ffi.cdef([[
struct hashport_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct hashport_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("struct hashport_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
   return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

-- Per thread (each has its own Lua state); done() reads these globals back with thread:get().
function init(args)
   local total, thread_count = tonumber(args[1]) or 0, tonumber(args[2]) or 1
   -- The bound split so that the shares add up to it exactly: the first (total mod threads) threads take one more.
   local share = math.floor(total / thread_count) + (thread_number <= total % thread_count and 1 or 0)
   limit = total > 0 and share or math.huge
   expected = tonumber(args[3]) or 200
   responses = 0
   late = 0
   bad = 0
   bad_statuses = {}
   stopped_after_us = 0
   started_us = now_us()
end

function response(status, headers, body)
   if status ~= expected then
      bad = bad + 1
      local key = tostring(status)
      bad_statuses[key] = (bad_statuses[key] or 0) + 1
   end
   -- stop() ends the thread's loop only after the current pass, so the thread's other connections may still
   -- deliver a response or two: kept apart, so that the bound and the rate stay exact (their errors still count).
   if stopped_after_us ~= 0 then
      late = late + 1
      return
   end
   responses = responses + 1
   if responses >= limit then
      stopped_after_us = now_us() - started_us
      wrk.thread:stop()
   end
end

local function json_object(values)
   local parts = {}
   for key, value in pairs(values) do
      local text = type(value) == "table" and json_object(value) or tostring(value)
      table.insert(parts, string.format("%q: %s", key, text))
   end
   table.sort(parts)
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local counted, late_total, bad_total, rate, bounded = 0, 0, 0, 0, 0
   local statuses = {}
   for _, thread in ipairs(threads) do
      local thread_responses = thread:get("responses")
      local elapsed_us = thread:get("stopped_after_us")
      if elapsed_us == 0 then
         elapsed_us = summary.duration
      else
         bounded = bounded + 1
      end
      counted = counted + thread_responses
      late_total = late_total + thread:get("late")
      bad_total = bad_total + thread:get("bad")
      if elapsed_us > 0 then
         rate = rate + thread_responses / (elapsed_us / 1e6)
      end
      for status, count in pairs(thread:get("bad_statuses")) do
         statuses[status] = (statuses[status] or 0) + count
      end
   end
   local errors = summary.errors
   local figures = {
      requests = counted,
      late_responses = late_total,
      req_per_s = string.format("%.1f", rate),
      p50_ms = string.format("%.2f", latency:percentile(50) / 1000),
      p99_ms = string.format("%.2f", latency:percentile(99) / 1000),
      max_ms = string.format("%.2f", latency.max / 1000),
      bad_status = bad_total,
      bad_statuses = statuses,
      socket_errors = errors.connect + errors.read + errors.write + errors.timeout,
      timeouts = errors.timeout,
      threads = #threads,
      threads_stopped_at_bound = bounded,
      wrk_duration_s = string.format("%.3f", summary.duration / 1e6),
   }
   io.write("wrk-figures ", json_object(figures), "\n")
end
