-- A type's rate limit (static rateLimit): the starts of the last `per` ms are a sorted set (member
-- -> start ms, Redis clock), so no window of `per` ms holds more than `turns` starts. Takes up to n
-- starts at `now`; returns the starts granted and, when none, the ms until the next one is free.
local function rate_take(key, turns, per, n, member, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per)
  local free = turns - redis.call('ZCARD', key)
  local grant = math.min(n, math.max(0, free))
  for i = 1, grant do redis.call('ZADD', key, now, member .. ':' .. i) end
  redis.call('PEXPIRE', key, per * 2)
  if grant > 0 then return grant, 0 end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return 0, math.max(1, tonumber(oldest[2]) + per - now + 1)
end
