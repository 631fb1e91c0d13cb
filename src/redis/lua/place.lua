--[[
  place: record the pool of actor types, creating pools as they first appear, and return the
  namespace's placement (docs/protocol.md "Pools"). A type's pool is recorded once; a later call
  naming another pool changes nothing (moving a type is `troupe migrate`'s, which moves its keys).

  A namespace from before pools (layout 2 or older, or migrated from one: field `predates-pools`)
  may hold any unrecorded type's actors in the default pool's partitions, so there such a type is
  only placed in another pool by `troupe migrate`: it is left unrecorded, and the caller, seeing
  that, names the fix.

  Cluster: one key, in the slot of `troupe:<ns>:meta`.

  With ARGV[1] = 'move' (`troupe migrate`, which then moves the types' keys) each type is recorded
  in the pool given, whatever was recorded before and whatever the layout.

  KEYS[1] meta      troupe:<ns>:meta (hash: partitions, layout, predates-pools, pool:<name>, type:<type>)
  ARGV[1] 'place' or 'move'
  ARGV[2..] triples: type, pool, partition count for the pool if it is new

  Returns: the meta hash's fields and values (HGETALL), after the change.
]]
local meta = KEYS[1]
local layout = tonumber(redis.call('HGET', meta, 'layout') or '1')
local pooled = layout >= 3 and redis.call('HEXISTS', meta, 'predates-pools') == 0
local move = ARGV[1] == 'move'
local function nextFirst()
  local fields = redis.call('HGETALL', meta)
  local first = tonumber(redis.call('HGET', meta, 'partitions'))
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 5) == 'pool:' then
      local a, n = string.match(fields[i + 1], '^(%d+) (%d+)$')
      if tonumber(a) + tonumber(n) > first then first = tonumber(a) + tonumber(n) end
    end
  end
  return first
end
for i = 2, #ARGV, 3 do
  local tfield = 'type:' .. ARGV[i]
  local pool = ARGV[i + 1]
  if move or redis.call('HEXISTS', meta, tfield) == 0 then
    if pool == 'default' then
      redis.call('HSET', meta, tfield, pool)
    elseif move or pooled then
      local pfield = 'pool:' .. pool
      if redis.call('HEXISTS', meta, pfield) == 0 then
        redis.call('HSET', meta, pfield, nextFirst() .. ' ' .. ARGV[i + 2])
      end
      redis.call('HSET', meta, tfield, pool)
    end
  end
end
return redis.call('HGETALL', meta)
