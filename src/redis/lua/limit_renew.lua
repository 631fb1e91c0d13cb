--[[
  limit_renew: extend the concurrency slots a worker holds (limit_take.lua) while their turns run.
  A slot that expired meanwhile is not taken back (ZADD XX): its turn runs on, over the limit for
  the rest of it, which only a worker stalled for longer than its lease can cause.

  KEYS[1]  slots    {troupe:<ns>}:limit:<type>
  ARGV[1]  ttl      ms from now (Redis clock)
  ARGV[2+] members  the worker's members to extend

  Returns: how many were extended.
]]
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return n
