--[[
  claim: take the actors at the head of a partition's ready queue, each with a batch of its mail,
  and mark them running. Mail is only read here; it leaves the mailbox when the turn commits, so a
  crash before commit hands the same mail to the next owner.

  Every key is declared, so the worker names the actors it expects at the head (hints): the actor a
  wake message named, or the head the previous claim returned. Only the owner pops the queue (others
  append), so the head it saw stays the head. The script pops the longest prefix of the queue that
  matches the hints, and returns the new head for the next claim to name. A claim with no hints
  only reads the head. For an actor not in the worker's memory the claim also returns its context
  log, so activating it costs no extra round trip.

  KEYS[1]    owner      {troupe:<ns>:<p>}:owner
  KEYS[2]    epoch      {troupe:<ns>:<p>}:epoch
  KEYS[3]    ready      {troupe:<ns>:<p>}:ready
  KEYS[4]    running    {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  KEYS[5]    wake       {troupe:<ns>:<p>}:wake
  KEYS[6]    attempts   {troupe:<ns>:<p>}:attempts (hash: akey -> "<message id> <failed attempts>")
  KEYS[7]    held types {troupe:<ns>:<p>}:held-types (set)
  KEYS[7+j]  held list  {troupe:<ns>:<p>}:held:<type j>, for each paused type j = 1..npaused
  then for each hint i, KEYS[h+3i-2] its mailbox {troupe:<ns>:<p>}:mb:<akey>, KEYS[h+3i-1] its log
  {troupe:<ns>:<p>}:ctx:<akey> and KEYS[h+3i] its log bucket {troupe:<ns>:<p>}:logs:<bucket>, where
  h = 7 + npaused
  ARGV[1]    worker id
  ARGV[2]    epoch the worker holds
  ARGV[3]    max messages per actor
  ARGV[4]    claim token: commit.lua applies an actor's batch only while its token is current, so a
             commit replayed after a lost reply (or from an earlier claim) changes nothing
  ARGV[5]    how much of the queue's new head to return
  ARGV[6]    npaused: actor types paused now; their actors move from the ready queue to
             held:<type>, where renew.lua takes them back once the type is resumed
  ARGV[6+j]  paused type j
  then for each hint i: ARGV[a+2i-1] its akey and ARGV[a+2i] '1' to return its log, where a = 6 + npaused

  Returns: -1 when the lease is not held at this epoch (fenced); otherwise a flat array
           { akey1, {envelope...}, attempts1, log1, akey2, ..., head, ready } where attempts is the
           actor's entry in the attempts hash ('' when its head message has not failed before), log
           is its context log or 0 when not asked for, head is the queue's new head and ready its
           length. A log comes as { stowed, list... }: the entries stowed in its bucket (0 for none),
           then the log list's.
]]
-- @include lib/fence.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
redis.call('DEL', KEYS[5])
local npaused = tonumber(ARGV[6])
local paused = {}
for j = 1, npaused do paused[ARGV[6 + j]] = 7 + j end
local h, a = 7 + npaused, 6 + npaused
local nhints = (#ARGV - a) / 2
local take = 0
if nhints > 0 then
  local popped = redis.call('LPOP', KEYS[3], nhints) or {}
  while take < #popped and popped[take + 1] == ARGV[a + 2 * take + 1] do take = take + 1 end
  -- a hint that is not the head (a wake message overtook a claim's reply): the rest goes back
  for j = #popped, take + 1, -1 do redis.call('LPUSH', KEYS[3], popped[j]) end
end
local out = {}
local batch = tonumber(ARGV[3]) - 1
local claimed = {}
for i = 1, take do
  local akey = ARGV[a + 2 * i - 1]
  local held = npaused > 0 and paused[string.sub(akey, 1, string.find(akey, '/', 1, true) - 1)]
  if held then
    redis.call('RPUSH', KEYS[held], akey)
    redis.call('SADD', KEYS[7], ARGV[held - 1])
  else
    local mail = redis.call('LRANGE', KEYS[h + 3 * i - 2], 0, batch)
    if #mail > 0 then
      redis.call('HSET', KEYS[4], akey, ARGV[4])
      claimed[#claimed + 1] = akey
      out[#out + 1] = akey
      out[#out + 1] = mail
      out[#out + 1] = ''
      if ARGV[a + 2 * i] == '1' then
        local log = redis.call('LRANGE', KEYS[h + 3 * i - 1], 0, -1)
        table.insert(log, 1, redis.call('HGET', KEYS[h + 3 * i], akey) or 0)
        out[#out + 1] = log
      else
        out[#out + 1] = 0
      end
    end
  end
end
-- one read of the attempts of every claimed actor: almost all have none
if #claimed > 0 then
  local attempts = redis.call('HMGET', KEYS[6], unpack(claimed))
  for n = 1, #claimed do
    if attempts[n] then out[n * 4 - 1] = attempts[n] end
  end
end
out[#out + 1] = redis.call('LRANGE', KEYS[3], 0, tonumber(ARGV[5]) - 1)
out[#out + 1] = redis.call('LLEN', KEYS[3])
return out
