--[[
  rate_take: take up to n turn starts of an actor type's rate limit (static rateLimit), across every
  worker and shard: the starts of the last perMs are a sorted set in the namespace's slot (member ->
  start time, Redis clock, ms), so no window of perMs holds more than `turns` starts.

  KEYS[1]  starts  {troupe:<ns>}:rate:<type> (sorted set: member -> start ms)
  ARGV[1]  turns   starts allowed per window
  ARGV[2]  perMs   the window
  ARGV[3]  n       starts wanted
  ARGV[4]  member  prefix of the members added (<worker>/<batch token>), suffixed :<i>

  Returns: { starts granted (0..n), ms until the next start is free (0 when granted) }.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
local grant = math.min(tonumber(ARGV[3]), math.max(0, free))
for i = 1, grant do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], per * 2)
if grant > 0 then return { grant, 0 } end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { 0, math.max(1, tonumber(oldest[2]) + per - now + 1) }
