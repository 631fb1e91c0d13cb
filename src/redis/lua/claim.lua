--[[
  claim: take up to N ready actors of a partition, each with a batch of its mail, and mark them
  running. Mail is only read here; it leaves the mailbox when the turn commits, so a crash before
  commit hands the same mail to the next owner.

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  KEYS[2] epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3] ready     {troupe:<ns>:<p>}:ready
  KEYS[4] running   {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  KEYS[5] wake      {troupe:<ns>:<p>}:wake
  ARGV[1] worker id
  ARGV[2] epoch the worker holds
  ARGV[3] max actors
  ARGV[4] max messages per actor
  ARGV[5] mailbox key prefix {troupe:<ns>:<p>}:mb:
  ARGV[6] claim token: commit.lua applies an actor's batch only while its token is current, so a
          commit replayed after a lost reply (or from an earlier claim) changes nothing

  ARGV[7] held list prefix {troupe:<ns>:<p>}:held:
  ARGV[8..] actor types paused now: their actors move from the ready queue to held:<type>, where
          renew.lua takes them back once the type is resumed

  KEYS[6] attempts  {troupe:<ns>:<p>}:attempts (hash: akey -> "<message id> <failed attempts>")
  KEYS[7] held types {troupe:<ns>:<p>}:held-types (set)

  Returns: -1 when the lease is not held at this epoch (fenced); otherwise a flat array
           { akey1, {envelope...}, attempts1, akey2, ..., ready } where attempts is the actor's
           entry in the attempts hash, or '' when its head message has not failed before, and ready
           is the length of the ready queue left.
]]
-- @include lib/fence.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
redis.call('DEL', KEYS[5])
local actors = redis.call('LPOP', KEYS[3], tonumber(ARGV[3])) or {}
local out = {}
local paused
if #ARGV > 7 then
  paused = {}
  for i = 8, #ARGV do paused[ARGV[i]] = true end
end
local batch = tonumber(ARGV[4]) - 1
local claimed = {}
for _, akey in ipairs(actors) do
  local kind = paused and string.sub(akey, 1, string.find(akey, '/', 1, true) - 1)
  if kind and paused[kind] then
    redis.call('RPUSH', ARGV[7] .. kind, akey)
    redis.call('SADD', KEYS[7], kind)
  else
    local mail = redis.call('LRANGE', ARGV[5] .. akey, 0, batch)
    if #mail > 0 then
      redis.call('HSET', KEYS[4], akey, ARGV[6])
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
return out
