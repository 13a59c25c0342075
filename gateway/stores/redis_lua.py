"""The scripts Redis runs atomically (EVALSHA): the token bucket, claiming due schedule members, leases."""

# KEYS[1]: the bucket; ARGV: capacity, period (s), cost. The clock is the server's TIME, so
# instances whose own clocks disagree still share one rate. Returns {allowed, remaining,
# retry_after, reset}, fractions as strings since Redis truncates Lua numbers to integers.
TAKE = """
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local epsilon = 1e-9
local rate = capacity / period
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - last) * rate)
end
local allowed = 0
local retry_after = 0
if tokens + epsilon >= cost then
  allowed = 1
  tokens = math.max(0, tokens - cost)
else
  retry_after = (cost - tokens) / rate
end
local reset = (capacity - tokens) / rate
if allowed == 1 then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
             'last', string.format('%.6f', now))
  -- Once full, the bucket is the same as no bucket: let idle ones vanish.
  redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(reset * 1000)))
end
return {allowed, math.floor(tokens + epsilon), string.format('%.6f', retry_after),
        string.format('%.6f', reset)}
"""

# KEYS[1]: the schedule (a sorted set scored by due time); ARGV: now, now + lease, limit. Due
# members are read and moved to now + lease in one step, so that no concurrent caller claims them.
CLAIM_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member)
end
return due
"""

# KEYS[1]: the lease; ARGV: holder, ttl (ms). SET NX PX takes a free lease; a compare-and-set
# extends one only for its holder, so two callers can never both believe they hold it.
LEASE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS[1]: the lease; ARGV[1]: holder. Deleted only by its holder.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
