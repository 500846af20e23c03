-- wrk script for bench/portal.py: GET a random path from a file for the whole run, then print the
-- figures as one JSON line (times in ms).
--   wrk -t2 -c20 -d30s --latency -s bench/portal_wrk.lua http://127.0.0.1:PORT -- paths.txt
-- paths.txt: one path per line (/subjects/123/ ..., or just /healthz for the baseline).

local paths = {}
local threads = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"), "paths file missing: pass it after --")
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "rps": %.1f, "requests": %d, ' ..
    '"seconds": %.3f, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests / seconds, summary.requests, seconds,
    e.status, e.connect + e.read + e.write + e.timeout))
end
