--[[
  limit_poke: a concurrency slot is free for a parked actor (limit_give.lua named it): bring its
  parking timer forward to now and tell the partition's owner to look at its timers, so the actor
  asks again at once. An actor not parked (asking right now, or gone) is left as it is.

  KEYS[1]  timers      {troupe:<ns>:<p>}:timers
  KEYS[2]  timer wake  {troupe:<ns>:<p>}:twake (a channel name; nothing is stored under it)
  ARGV[1]  akey        the actor; its parking timer's member is akey NUL
  ARGV[2]  now (ms)

  Returns: 1 when a parked actor's timer was brought forward, else 0.
]]
-- @include lib/announce.lua
local member = ARGV[1] .. '\0'
local due = redis.call('ZSCORE', KEYS[1], member)
if not due or tonumber(due) <= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]), member)
announce(KEYS[2], ARGV[2])
return 1
