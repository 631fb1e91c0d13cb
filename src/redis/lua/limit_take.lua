--[[
  limit_take: take one of an actor type's concurrency slots (static concurrency), across every
  worker and shard, in the order the actors first asked. The slots are a sorted set in the
  namespace's slot, member -> expiry (Redis clock, ms); a worker renews the slots it holds while
  their turns run (limit_renew.lua), one that dies holds none once its lease has run out, and the
  worker removes its member (ZREM) when the turn ends. An actor refused a slot joins the type's
  queue (member -> when it first asked) and asks again shortly; a free slot goes to the first
  `free` actors of the queue, so a newcomer does not overtake actors waiting. An actor that stops
  asking (its mail gone, its type paused) leaves the queue once it has not asked for `stale` ms.
  A type with a rate limit too passes its starts key: the slot is taken only with at least one
  start (lib/rate.lua), and an actor refused a start keeps its place in the queue.

  KEYS[1]  slots   {troupe:<ns>}:limit:<type> (sorted set: member -> expiry ms)
  KEYS[2]  queue   {troupe:<ns>}:limit-queue:<type> (sorted set: akey -> first asked, µs)
  KEYS[3]  seen    {troupe:<ns>}:limit-seen:<type> (sorted set: akey -> last asked, µs)
  KEYS[4]  starts  (optional) {troupe:<ns>}:rate:<type>, as in rate_take.lua
  ARGV[1]  limit   how many turns of the type may run at once
  ARGV[2]  member  <worker>/<random>
  ARGV[3]  ttl     ms the slot lasts unless renewed (the worker's lease)
  ARGV[4]  akey    the actor asking
  ARGV[5]  stale   ms after which an actor that has not asked again leaves the queue
  ARGV[6]  turns   (with KEYS[4]) starts allowed per window
  ARGV[7]  perMs   (with KEYS[4]) the window
  ARGV[8]  n       (with KEYS[4]) starts wanted

  Returns: { 1 when the slot is taken else 0, starts granted (0 without KEYS[4]), ms until the next
  start is free (0 unless refused a start) }. { 0, 0, 0 }: the actor waits for a slot, in the queue.
]]
-- @include lib/rate.lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- the queue orders by microseconds: two actors asking within one ms keep their order
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = tonumber(ARGV[3])
local akey = ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local stale_before = now_us - tonumber(ARGV[5]) * 1000
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', stale_before)
for _, a in ipairs(gone) do redis.call('ZREM', KEYS[2], a) end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', stale_before) end
local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], akey)
local waiting = redis.call('ZCARD', KEYS[2])
local turn = free > 0 and ((rank and rank < free) or (not rank and waiting < free))
local keep = math.max(ttl, tonumber(ARGV[5])) * 2
local starts, wait = 0, 0
if turn and KEYS[4] then
  starts, wait = rate_take(KEYS[4], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[2], now)
  turn = starts > 0
end
if not turn then
  redis.call('ZADD', KEYS[2], 'NX', now_us, akey)
  redis.call('ZADD', KEYS[3], now_us, akey)
  redis.call('PEXPIRE', KEYS[2], keep)
  redis.call('PEXPIRE', KEYS[3], keep)
  return { 0, 0, wait }
end
if rank then
  redis.call('ZREM', KEYS[2], akey)
  redis.call('ZREM', KEYS[3], akey)
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], keep)
return { 1, starts, 0 }
