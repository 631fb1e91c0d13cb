--[[
  limit_give: give back a concurrency slot (limit_take.lua) when its turns end, and name the actors
  at the head of the type's queue that a slot is free for now, so the caller wakes them
  (limit_poke.lua) instead of leaving the slot idle until they ask again.

  KEYS[1]  slots   {troupe:<ns>}:limit:<type>
  KEYS[2]  queue   {troupe:<ns>}:limit-queue:<type>
  ARGV[1]  limit   the type's concurrency
  ARGV[2]  member  the slot given back

  Returns: the akeys of the first waiting actors a slot is free for (possibly none).
]]
redis.call('ZREM', KEYS[1], ARGV[2])
local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
return redis.call('ZRANGE', KEYS[2], 0, free - 1)
