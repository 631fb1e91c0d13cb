--[[
  renew: extend a partition lease held at a given epoch.

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  KEYS[2] epoch     {troupe:<ns>:<p>}:epoch
  ARGV[1] worker id
  ARGV[2] epoch
  ARGV[3] lease in ms

  Returns: 1 when renewed, 0 when the lease was lost.
]]
-- @include lib/fence.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
