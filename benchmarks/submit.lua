-- wrk script for benchmarks/submit.py: POST a distinct JSON application per request.
-- wrk -s submit.lua URL -- <template file> <ID numbers file> <threads>
-- The template holds __ID_NUMBER__ where each request's ID number goes; thread i of n takes
-- lines i, i + n, i + 2n … of the ID numbers file, so no number is sent twice.
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local template = file:read("*a")
  file:close()
  local at = assert(template:find("__ID_NUMBER__", 1, true), "no __ID_NUMBER__ in template")
  prefix = template:sub(1, at - 1)
  suffix = template:sub(at + #"__ID_NUMBER__")
  local threads = tonumber(args[3])
  numbers = {}
  local n = 0
  for line in io.lines(args[2]) do
    if n % threads == index then
      numbers[#numbers + 1] = line
    end
    n = n + 1
  end
  sent = 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  sent = sent + 1
  local number = numbers[sent] or "exhausted"
  return wrk.format("POST", nil, headers, prefix .. number .. suffix)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, '
      .. '"timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
