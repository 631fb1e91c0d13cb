--[[
  copy_dead_letter: `troupe migrate --actors` copies a dead letter into the stream of its actor's
  new partition and notes the new id in that partition's journal in one step, so a migration
  stopped before the old entry is deleted never copies it twice. A held actor's paused record that
  named the old entry names the new one.

  KEYS[1] dead      {troupe:<ns>:<q>}:dead (stream)
  KEYS[2] journal   {troupe:<ns>:<q>}:moving (hash)
  KEYS[3] paused    {troupe:<ns>:<q>}:paused (hash: akey -> id of the dead letter it waits on)
  ARGV[1] journal field  dead:<old id>
  ARGV[2] akey
  ARGV[3] old id
  ARGV[4...] the entry's fields and values

  Returns: the new entry's id.
]]
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[2], ARGV[1], id)
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[3] then redis.call('HSET', KEYS[3], ARGV[2], id) end
return id
