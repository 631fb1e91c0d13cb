--[[
  limit_take: take one of an actor type's concurrency slots (static concurrency), across every
  worker and shard: the slots are a sorted set in the namespace's slot, member -> expiry (Redis
  clock, ms). A worker renews the slots it holds while their turns run; a worker that dies holds
  none once its lease has run out. The worker removes its member (ZREM) when the turn ends.

  KEYS[1]  slots   {troupe:<ns>}:limit:<type> (sorted set: member -> expiry ms)
  ARGV[1]  limit   how many turns of the type may run at once
  ARGV[2]  member  <worker>/<batch token>
  ARGV[3]  ttl     ms the slot lasts unless renewed (the worker's lease)

  Returns: 1 when the slot is taken; 0 when every slot is held.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
