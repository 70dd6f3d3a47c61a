-- Range requests for wrk: `wrk ... -s bench/lua/range.lua URL -- MODE SIZE LEN [CLOSE_OPEN]`
--   seek:  closed ranges of LEN bytes at random offsets         bytes=N-(N+LEN-1)
--   probe: the browser's first request                            bytes=0-1
--   open:  open-ended ranges at random offsets                    bytes=N-
--          (with CLOSE_OPEN=1 sent as bytes=N-(N+LEN-1): for servers that do not cap
--          open-ended ranges themselves, so that every server sends the same bytes)
--   full:  no Range header: the whole file
-- Every request carries `Sec-Fetch-Dest: video`, as a browser's <video> element sends it: our
-- server caps open-ended ranges only for media elements (maxChunkSizeFor), and the bare servers
-- ignore the header.
-- done() prints one JSON line with the counts and latency percentiles (microseconds).

local counter = 1
local mode, size, len, close_open

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  mode = args[1] or "seek"
  size = tonumber(args[2] or "0")
  len = tonumber(args[3] or "1048576")
  close_open = args[4] == "1"
  math.randomseed(os.time() * 1000 + (id or 0))
  wrk.headers["Sec-Fetch-Dest"] = "video"
  if mode == "probe" then
    wrk.headers["Range"] = "bytes=0-1"
  end
end

-- wrk.format with a headers table sends those instead of wrk.headers, so each table names both.
local function ranged(value)
  return wrk.format(nil, nil, { ["Range"] = value, ["Sec-Fetch-Dest"] = "video" })
end

function request()
  if mode == "seek" then
    local n = math.random(0, size - len)
    return ranged("bytes=" .. n .. "-" .. (n + len - 1))
  elseif mode == "open" then
    local n = math.random(0, size - 1)
    if close_open then
      local last = math.min(n + len - 1, size - 1)
      return ranged("bytes=" .. n .. "-" .. last)
    end
    return ranged("bytes=" .. n .. "-")
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON:{"requests":%d,"bytes":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%f,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
