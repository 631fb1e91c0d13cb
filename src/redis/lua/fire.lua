--[[
  fire: deliver the due entries of a partition's timer set. A member is `<akey>\0<envelope>`: a
  message sent later (this.schedule, delayed tell) goes to the actor's mailbox; an empty envelope
  is a retry backoff ending, and puts the parked actor back on the ready queue.

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  KEYS[2] epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3] timers    {troupe:<ns>:<p>}:timers (sorted set: member -> due ms)
  KEYS[4] ready     {troupe:<ns>:<p>}:ready
  KEYS[5] wake      {troupe:<ns>:<p>}:wake
  ARGV[1] worker id
  ARGV[2] epoch
  ARGV[3] now (ms)
  ARGV[4] max entries to fire
  ARGV[5] mailbox key prefix {troupe:<ns>:<p>}:mb:

  Returns: -1 when fenced; otherwise { fired, due ms of the next entry or -1 }.
]]
-- @include lib/fence.lua
-- @include lib/enqueue.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
for _, member in ipairs(due) do
  local sep = string.find(member, '\0', 1, true)
  if sep then
    local akey = string.sub(member, 1, sep - 1)
    local envelope = string.sub(member, sep + 1)
    local mailbox = ARGV[5] .. akey
    if envelope == '' then
      if redis.call('EXISTS', mailbox) == 1 then redis.call('RPUSH', KEYS[4], akey) end
    else
      enqueue(mailbox, KEYS[4], KEYS[5], akey, envelope)
    end
  end
  redis.call('ZREM', KEYS[3], member)
end
local next = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
return { #due, next[2] or -1 }
