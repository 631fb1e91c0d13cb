--[[
  release: hand a partition back at once, so the next owner need not wait for the lease to expire.

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  ARGV[1] worker id

  Returns: 1 when released, 0 when the lease was not held.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
