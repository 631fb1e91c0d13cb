--[[
  tell-later: send a message to be delivered at a given time (a delayed tell). The partition owner
  fires it into the mailbox when due; the timer list signals the owner to look at its timers now.

  KEYS[1] timers      {troupe:<ns>:<p>}:timers
  KEYS[2] timer wake  {troupe:<ns>:<p>}:twake
  ARGV[1] actor key <type>/<id>
  ARGV[2] envelope  MessagePack bytes
  ARGV[3] due time, ms since the epoch

  Returns: 1.
]]
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1] .. '\0' .. ARGV[2])
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('RPUSH', KEYS[2], '1') end
return 1
