--[[
  fire: deliver the due entries of a partition's timer set. A member is `<akey>\0<envelope>`: a
  message sent later (this.schedule, delayed tell) goes to the actor's mailbox; an empty envelope
  is a retry backoff ending, and puts the parked actor back on the ready queue.

  The actors' mailboxes are passed in KEYS, so the worker first reads the due members (a plain
  ZRANGEBYSCORE) to learn whose they are. Timers are not on the hot path; the extra read is cheap.
  A due entry whose actor has no mailbox in KEYS (added after that read) stays for the next fire,
  which the return value asks for at once.

  KEYS[1]   owner     {troupe:<ns>:<p>}:owner
  KEYS[2]   epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3]   timers    {troupe:<ns>:<p>}:timers (sorted set: member -> due ms)
  KEYS[4]   ready     {troupe:<ns>:<p>}:ready
  KEYS[5]   wake      {troupe:<ns>:<p>}:wake
  KEYS[5+i] mailbox   {troupe:<ns>:<p>}:mb:<akey i>
  ARGV[1]   worker id
  ARGV[2]   epoch
  ARGV[3]   now (ms)
  ARGV[4]   max entries to fire
  ARGV[4+i] akey i, whose mailbox is KEYS[5+i]

  Returns: -1 when fenced; otherwise { fired, due ms of the next entry or -1 }.
]]
-- @include lib/fence.lua
-- @include lib/announce.lua
-- @include lib/enqueue.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
local mailboxes = {}
for i = 5, #ARGV do mailboxes[ARGV[i]] = i + 1 end
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
local fired, left = 0, false
for _, member in ipairs(due) do
  local sep = string.find(member, '\0', 1, true)
  local at = sep and mailboxes[string.sub(member, 1, sep - 1)]
  if sep and not at then
    left = true
  else
    if sep then
      local akey = string.sub(member, 1, sep - 1)
      local envelope = string.sub(member, sep + 1)
      if envelope == '' then
        if redis.call('EXISTS', KEYS[at]) == 1 then redis.call('RPUSH', KEYS[4], akey) end
      else
        enqueue(KEYS[at], KEYS[4], KEYS[5], akey, envelope)
      end
    end
    redis.call('ZREM', KEYS[3], member)
    fired = fired + 1
  end
end
if left then return { fired, tonumber(ARGV[3]) } end
local next = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
return { fired, next[2] or -1 }
