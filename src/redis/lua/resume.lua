--[[
  resume: an operator's answer to a paused actor's held dead letter. 'retry' leaves the message at
  the head of the mailbox to be tried afresh; 'purge' drops it. Either way the dead letter is
  deleted and the actor goes back on the ready queue.

  KEYS[1] paused    {troupe:<ns>:<p>}:paused
  KEYS[2] attempts  {troupe:<ns>:<p>}:attempts
  KEYS[3] ready     {troupe:<ns>:<p>}:ready
  KEYS[4] wake      {troupe:<ns>:<p>}:wake
  KEYS[5] mailbox   {troupe:<ns>:<p>}:mb:<type>/<id>
  KEYS[6] dead      {troupe:<ns>:<p>}:dead
  ARGV[1] actor key <type>/<id>
  ARGV[2] dead letter id
  ARGV[3] 'retry' or 'purge'

  Returns: 1 when resumed; 0 when the actor is not paused on that dead letter.
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == 'purge' then redis.call('LPOP', KEYS[5]) end
redis.call('XDEL', KEYS[6], ARGV[2])
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[1])
  wake_owner(KEYS[4], ARGV[1])
end
return 1
