--[[
  acquire: take (or re-take) a partition lease, bumping its epoch. Actors the previous holder had
  claimed go back to the front of the ready queue: their mail was never trimmed, so it runs again.

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  KEYS[2] epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3] ready     {troupe:<ns>:<p>}:ready
  KEYS[4] running   {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  ARGV[1] worker id
  ARGV[2] lease in ms

  Returns: 0 when another worker holds the lease; otherwise the new epoch.
  (Actors parked for a retry stay parked: the timer set puts them back when due.)
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
local running = redis.call('HKEYS', KEYS[4])
if #running > 0 then
  redis.call('LPUSH', KEYS[3], unpack(running))
  redis.call('DEL', KEYS[4])
end
return epoch
