-- Posts one 1.5 KB error event (the same one every time, as in an error storm) with the project key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Alerts-Key"] = os.getenv("ALERTS_KEY") or "bench-0123456789abcdef"
local f = assert(io.open(os.getenv("ALERTS_EVENT") or "bench/event.json", "r"))
wrk.body = f:read("*a")
f:close()
