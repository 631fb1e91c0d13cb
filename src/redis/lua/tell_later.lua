--[[
  tell-later: send a message to be delivered at a given time (a delayed tell). The partition owner
  fires it into the mailbox when due. The script announces it on the timer-wake channel, named like
  KEYS[2], which the owner subscribes to (sharded, in the partition's slot, on Redis 7+), so the
  owner looks at its timers at once; a lost announcement only delays the timer until the owner's
  next lease renewal, which reports the earliest due time.

  KEYS[1] timers      {troupe:<ns>:<p>}:timers
  KEYS[2] timer wake  {troupe:<ns>:<p>}:twake (a channel name; nothing is stored under it)
  ARGV[1] actor key <type>/<id>
  ARGV[2] envelope  MessagePack bytes
  ARGV[3] due time, ms since the epoch

  Returns: 1.
]]
-- @include lib/announce.lua
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1] .. '\0' .. ARGV[2])
announce(KEYS[2], ARGV[3])
return 1
