--[[
  renew: extend a partition lease held at a given epoch, and put actors held for a type that is no
  longer paused back on the ready queue.

  The held lists are passed in KEYS, so the caller must know which types are held: the reply lists
  them (the held-types set), and the caller renews again at once, naming the lists of the types
  among them that are no longer paused. That second call happens only after a type is resumed.

  KEYS[1]   owner     {troupe:<ns>:<p>}:owner
  KEYS[2]   epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3]   merge     {troupe:<ns>:<p>}:merge (actors flagged for merging)
  KEYS[4]   ready     {troupe:<ns>:<p>}:ready
  KEYS[5]   timers    {troupe:<ns>:<p>}:timers
  KEYS[6]   held types {troupe:<ns>:<p>}:held-types (set of types with a held:<type> list)
  KEYS[7]   outbox    {troupe:<ns>:<p>}:outbox (stream: sends and replies to relay, on a cluster)
  KEYS[7+i] held list  {troupe:<ns>:<p>}:held:<type i>, a type to release (no longer paused)
  ARGV[1]   worker id
  ARGV[2]   epoch
  ARGV[3]   lease in ms
  ARGV[3+i] type i, whose held list is KEYS[7+i]

  Returns: { flags, due ms of the earliest timer or -1, held types left }. flags is 0 when the lease
  was lost; otherwise 1, plus 2 when merges are due, plus 4 when actors are ready, plus 8 when the
  outbox holds entries. The owner learns of due merges, timers, ready actors whose wake-up it missed
  (a partition changing hands) and sends a dead owner left unrelayed, at no extra cost to an idle
  partition.
]]
-- @include lib/fence.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return { 0, -1, {} } end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
for i = 4, #ARGV do
  -- in chunks, so a large backlog does not stall Redis; the rest goes at the next renewal
  local list = KEYS[i + 4]
  local actors = redis.call('LPOP', list, 1000)
  if actors then redis.call('RPUSH', KEYS[4], unpack(actors)) end
  if redis.call('LLEN', list) == 0 then redis.call('SREM', KEYS[6], ARGV[i]) end
end
local flags = 1
if redis.call('EXISTS', KEYS[3]) == 1 then flags = flags + 2 end
if redis.call('LLEN', KEYS[4]) > 0 then flags = flags + 4 end
if redis.call('XLEN', KEYS[7]) > 0 then flags = flags + 8 end
local next = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
return { flags, next[2] or -1, redis.call('SMEMBERS', KEYS[6]) }
