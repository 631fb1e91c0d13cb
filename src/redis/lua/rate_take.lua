--[[
  rate_take: take up to n turn starts of an actor type's rate limit (static rateLimit), across every
  worker and shard: the starts of the last perMs are a sorted set in the namespace's slot (member ->
  start time, Redis clock, ms), so no window of perMs holds more than `turns` starts. A type with a
  concurrency limit too takes its starts with its slot instead (limit_take.lua).

  KEYS[1]  starts  {troupe:<ns>}:rate:<type> (sorted set: member -> start ms)
  ARGV[1]  turns   starts allowed per window
  ARGV[2]  perMs   the window
  ARGV[3]  n       starts wanted
  ARGV[4]  member  prefix of the members added (<worker>/<batch token>), suffixed :<i>

  Returns: { starts granted (0..n), ms until the next start is free (0 when granted) }.
]]
-- @include lib/rate.lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grant, wait = rate_take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], now)
return { grant, wait }
