--[[
  unlock: release a lock, only by its holder.

  KEYS[1] lock
  ARGV[1] token

  Returns: 1 when released, 0 when the lock was not held with this token.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
