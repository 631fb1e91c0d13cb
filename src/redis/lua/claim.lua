--[[
  claim: take up to N ready actors of a partition, each with a batch of its mail, and mark them
  running. Mail is only read here; it leaves the mailbox when the turn commits, so a crash before
  commit hands the same mail to the next owner.

  Every key comes from KEYS, yet which actors are popped is decided here. So the worker names the
  mailboxes of the actors it expects at the head of the ready queue (hints): the actor in the wake
  message that woke it, the actors its last commit put back on the queue, and the queue's head as
  its last claim left it. Those cover the common case, so a claim stays one round trip (peeking at
  the queue first would add a round trip to every claim, worst at shallow load, where each message
  pays for its own claim). An actor popped without a hint is claimed all the same and returned
  without mail: the worker reads its mailbox with a plain LRANGE, which sees the same head since
  no one else takes or trims that mail while its claim token is current.

  KEYS[1]      owner      {troupe:<ns>:<p>}:owner
  KEYS[2]      epoch      {troupe:<ns>:<p>}:epoch
  KEYS[3]      ready      {troupe:<ns>:<p>}:ready
  KEYS[4]      running    {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  KEYS[5]      wake       {troupe:<ns>:<p>}:wake
  KEYS[6]      attempts   {troupe:<ns>:<p>}:attempts (hash: akey -> "<message id> <failed attempts>")
  KEYS[7]      heldTypes  {troupe:<ns>:<p>}:held-types (set)
  KEYS[7+i]    held list  {troupe:<ns>:<p>}:held:<type>, of paused type i (i = 1..h)
  KEYS[7+h+j]  mailbox    {troupe:<ns>:<p>}:mb:<akey>, of hinted actor j
  ARGV[1]      worker id
  ARGV[2]      epoch the worker holds
  ARGV[3]      max actors
  ARGV[4]      max messages per actor
  ARGV[5]      claim token: commit.lua applies an actor's batch only while its token is current, so
               a commit replayed after a lost reply (or from an earlier claim) changes nothing
  ARGV[6]      h, the number of paused types
  ARGV[6+i]    paused type i: its actors move from the ready queue to its held list, where renew.lua
               takes them back once the type is resumed
  ARGV[6+h+j]  akey of hinted actor j

  Returns: -1 when the lease is not held at this epoch (fenced); otherwise a flat array
           { akey1, mail1, attempts1, akey2, ..., ready, head } where mail is the list of envelopes,
           or 0 when the actor had no hint (the caller reads its mailbox); attempts is the actor's
           entry in the attempts hash, or '' when its head message has not failed before; ready is
           the length of the ready queue left and head its first akeys (up to max actors), the
           hints for the next claim.
]]
-- @include lib/fence.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
redis.call('DEL', KEYS[5])
local max = tonumber(ARGV[3])
local actors = redis.call('LPOP', KEYS[3], max) or {}
local npaused = tonumber(ARGV[6])
local held = {}
for i = 1, npaused do held[ARGV[6 + i]] = 7 + i end
local hinted = {}
for i = 7 + npaused, #ARGV do hinted[ARGV[i]] = i + 1 end
local batch = tonumber(ARGV[4]) - 1
local out = {}
local claimed = {}
for _, akey in ipairs(actors) do
  local kind = npaused > 0 and string.sub(akey, 1, string.find(akey, '/', 1, true) - 1)
  local hold = kind and held[kind]
  if hold then
    redis.call('RPUSH', KEYS[hold], akey)
    redis.call('SADD', KEYS[7], kind)
  else
    local at = hinted[akey]
    local mail = 0
    if at then mail = redis.call('LRANGE', KEYS[at], 0, batch) end
    if not at or #mail > 0 then
      redis.call('HSET', KEYS[4], akey, ARGV[5])
      claimed[#claimed + 1] = akey
      out[#out + 1] = akey
      out[#out + 1] = mail
      out[#out + 1] = ''
    end
  end
end
-- one read of the attempts of every claimed actor: almost all have none
if #claimed > 0 then
  local attempts = redis.call('HMGET', KEYS[6], unpack(claimed))
  for n = 1, #claimed do
    if attempts[n] then out[n * 3] = attempts[n] end
  end
end
out[#out + 1] = redis.call('LLEN', KEYS[3])
out[#out + 1] = redis.call('LRANGE', KEYS[3], 0, max - 1)
return out
