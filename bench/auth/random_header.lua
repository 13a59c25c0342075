-- wrk script: every request carries one header whose value is drawn at random from a file,
-- one value a line. BENCH_HEADER names the header, BENCH_VALUES the file.
local name = os.getenv("BENCH_HEADER")
local values = {}
for line in io.lines(os.getenv("BENCH_VALUES")) do
    values[#values + 1] = line
end

function init(args)
    -- Each wrk thread has its own Lua state: seed each one differently.
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
end

function request()
    wrk.headers[name] = values[math.random(#values)]
    return wrk.format()
end
