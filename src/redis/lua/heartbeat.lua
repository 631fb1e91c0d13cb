--[[
  heartbeat: keep a worker in the registry and drop workers whose heartbeat expired. Uses the Redis
  clock so workers on different hosts agree on who is alive.

  KEYS[1] workers   troupe:<ns>:workers (sorted set: worker id -> expiry ms)
  ARGV[1] worker id
  ARGV[2] time to live in ms

  Returns: the ids of the live workers, sorted.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(live)
return live
