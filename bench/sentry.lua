-- Posts one body as a Sentry SDK does: ALERTS_BODY (read as bytes, sent as is: gzip stays gzip) to the path wrk was
-- given, with X-Sentry-Auth, ALERTS_CONTENT_TYPE and, when set, ALERTS_ENCODING as Content-Encoding.
-- With ALERTS_FRESH_ID=1 every event_id of the body (ALERTS_ID) is replaced by a new one per request, as an SDK
-- sends a new event each time (it repeats an id only when it retries).
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("ALERTS_CONTENT_TYPE") or "application/x-sentry-envelope"
wrk.headers["X-Sentry-Auth"] = "Sentry sentry_version=7, sentry_key=" .. (os.getenv("ALERTS_KEY") or "bench-0123456789abcdef")
local encoding = os.getenv("ALERTS_ENCODING")
if encoding and encoding ~= "" then wrk.headers["Content-Encoding"] = encoding end
local f = assert(io.open(os.getenv("ALERTS_BODY"), "rb"))
local body = f:read("*a")
f:close()
wrk.body = body

local fresh = os.getenv("ALERTS_FRESH_ID") == "1"
local parts = {}
if fresh then
  local id = assert(os.getenv("ALERTS_ID"), "ALERTS_ID: the event_id to replace")
  local from = 1
  while true do
    local s, e = string.find(body, id, from, true)
    if not s then break end
    parts[#parts + 1] = string.sub(body, from, s - 1)
    from = e + 1
  end
  parts[#parts + 1] = string.sub(body, from)
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local prefix, counter = nil, 0
function init(args)
  -- 16 hex digits a thread keeps (its number, then the clock), then its counter: ids unique across threads and runs.
  prefix = string.format("%04x%012x", tid or 0, os.time())
end

function request()
  if not fresh then return wrk.format() end
  counter = counter + 1
  local id = prefix .. string.format("%016x", counter)
  return wrk.format(nil, nil, nil, table.concat(parts, id))
end
