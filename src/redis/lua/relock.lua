--[[
  relock: extend a lock, only by its holder.

  KEYS[1] lock
  ARGV[1] token
  ARGV[2] time to live in ms

  Returns: 1 when extended, 0 when the lock was not held with this token (it expired or moved on).
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
