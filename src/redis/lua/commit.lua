--[[
  commit: make the effects of a batch of turns durable at once, for one or more actors of a
  partition. Per actor: append its context segments, trim the handled mail, deliver its sends,
  write its replies and dead letters, then requeue it if mail remains. Nothing is written unless
  the caller holds the partition lease at the epoch it claimed with (fencing token), and an actor's
  part is skipped unless its claim token is still current (so a replayed commit is a no-op).

  Every key is declared: the fixed ones, then per item the keys its part touches, in the order the
  items come. src/runtime/commit-encoding.ts writes this layout; test/commit-protocol.test.ts fails
  when this header and that encoder disagree (the two lines marked "item ARGV:" and "item KEYS:").

  KEYS[1] owner     {troupe:<ns>:<p>}:owner
  KEYS[2] epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3] ready     {troupe:<ns>:<p>}:ready
  KEYS[4] running   {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  KEYS[5] dead      {troupe:<ns>:<p>}:dead (stream)
  KEYS[6] timers    {troupe:<ns>:<p>}:timers
  KEYS[7] attempts  {troupe:<ns>:<p>}:attempts
  KEYS[8] paused    {troupe:<ns>:<p>}:paused (hash: akey -> id of the dead letter it waits on)
  KEYS[9] merge     {troupe:<ns>:<p>}:merge (set: actors whose log passed the merge threshold)
  KEYS[10] outbox   {troupe:<ns>:<p>}:outbox (stream: sends and replies for other slots, to relay)
  KEYS[11] dircount {troupe:<ns>:<p>}:dir-count (hash: type -> actors in the partition's directory)
  ARGV[1] worker id
  ARGV[2] epoch
  ARGV[3] reply ttl in ms
  ARGV[4] max dead letters kept in the partition's stream (approximate)
  ARGV[5] number of items
  ARGV[6] the items' arguments, one after the other, as one MessagePack array of strings (numbers
          in decimal; src/redis/lua-table.ts), unpacked into the table A; from KEYS[12] on each
          item's KEYS:
  item ARGV: akey token handled merge_at fresh dir reps #fields (field enc)* #segments segment* #sends (akey envelope)* #relays (partition akey envelope)* #replies payload* #reply_relays (client payload)* #dead (reason error attempts envelope held)* #timers (due envelope)* #repeats (op name due envelope record expect)* retry_at retry_record
  item KEYS: mailbox log log_bucket dir_bucket* field_index* (destroy_history destroy_lock)* rep_hash* (send_mailbox send_ready send_wake)* reply*
  dir: 0 leaves the actor's directory record and index entries as they are; 1 lists it under the
  fields' encodings (enc, empty for none: see lib/directory.lua); 2 destroys it (this.destroy()):
  before its segments are written, its log, stowed log, history, merge lock and flag, directory
  record and index entries are deleted; 3 destroys it, then lists it. With dir > 0 the item names
  its directory bucket and one index per field (#fields is 0 when dir is 0), and with dir >= 2 its
  history and merge lock (the lock's removal fences a merge of the old log still in flight).
  reps = 1: the item names the actor's repeats hash (rep_hash; lib/repeats.lua), which its #repeats ops
  change (set, cancel, next) and a destroy empties, unscheduling every repeat of the actor.
  fresh = 1: the actor's log is empty, and a new log is born stowed in its log bucket (an empty base,
  then the segments) instead of in a list; if the bucket has a field for the actor after all, the
  segments go to the list as usual.
  A send goes to the mailbox of the target actor, which may be in another partition (its ready and
  wake keys are that partition's); a reply goes to the asking client's list {troupe:<ns>}:reply:<id>.
  On a Redis Cluster those other slots cannot be written here: such a send (a relay) or reply (a
  reply relay) is appended to the partition's outbox instead, as an entry with fields
  p (target partition), a (akey), e (envelope) or c (client id), r (reply), and its owner relays
  it after the commit (relay.lua).

  Returns: -1 when fenced; otherwise { length of the ready queue, { akeys skipped as stale },
           { akeys requeued, in order }, length of the outbox }.
]]
-- @include lib/fence.lua
-- @include lib/announce.lua
-- @include lib/enqueue.lua
-- @include lib/stowed.lua
-- @include lib/directory.lua
-- @include lib/repeats.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
local reply_ttl = tonumber(ARGV[3])
local stale, requeued = {}, {}
local A = cmsgpack.unpack(ARGV[6])
local i, k = 1, 12
for _ = 1, tonumber(ARGV[5]) do
  local akey = A[i]
  local live = redis.call('HGET', KEYS[4], akey) == A[i + 1]
  local handled = tonumber(A[i + 2])
  local merge_at = tonumber(A[i + 3])
  local fresh = A[i + 4] == '1'
  local dir = tonumber(A[i + 5])
  local reps = A[i + 6] == '1'
  local nfield = tonumber(A[i + 7])
  local fields_at = i + 8
  i = fields_at + 2 * nfield
  local mailbox = KEYS[k]
  local log = KEYS[k + 1]
  local log_bucket = KEYS[k + 2]
  local dir_at = k + 3
  k = dir_at
  if dir > 0 then k = k + 1 + nfield end
  if dir >= 2 then k = k + 2 end
  -- used only when reps is set (by a destroy or a repeat op); otherwise it is the next key, unused
  local repeats = KEYS[k]
  if reps then k = k + 1 end
  if not live then stale[#stale + 1] = akey end
  if live and dir >= 2 then
    redis.call('DEL', log, KEYS[dir_at + nfield + 1], KEYS[dir_at + nfield + 2])
    redis.call('HDEL', log_bucket, akey)
    redis.call('SREM', KEYS[9], akey)
    unlist(KEYS[11], dir_at, nfield, A, fields_at, akey)
    unschedule_all(repeats, KEYS[6])
  end
  if live and dir % 2 == 1 then list(KEYS[11], dir_at, nfield, A, fields_at, akey) end
  local nseg = tonumber(A[i])
  i = i + 1
  if live and nseg > 0 then
    local segments = nseg
    local born_stowed = false
    if fresh then
      local entries = { '' }
      for j = i, i + nseg - 1 do entries[#entries + 1] = A[j] end
      born_stowed = redis.call('HSETNX', log_bucket, akey, table.concat(pack_stowed(entries, {}))) == 1
    end
    if not born_stowed then
      -- unpack is bounded by the Lua C stack, so push in chunks
      local last = i + nseg - 1
      local at, len = i, 0
      while at <= last do
        local upto = math.min(at + 999, last)
        len = redis.call('RPUSH', log, unpack(A, at, upto))
        at = upto + 1
      end
      segments = len - 1
      -- a new log starts with an empty base (= initial()); an idle actor's stowed entries hold its base
      if len == nseg and redis.call('HEXISTS', log_bucket, akey) == 0 then
        redis.call('LPUSH', log, '')
        segments = nseg
      end
    end
    -- flag a long log for the owner's merge sweep, which also finds it after a crash
    if merge_at > 0 and segments >= merge_at then redis.call('SADD', KEYS[9], akey) end
  end
  i = i + nseg
  local nsend = tonumber(A[i]); i = i + 1
  for _ = 1, nsend do
    if live then enqueue(KEYS[k], KEYS[k + 1], KEYS[k + 2], A[i], A[i + 1]) end
    i = i + 2
    k = k + 3
  end
  local nrelay = tonumber(A[i]); i = i + 1
  for _ = 1, nrelay do
    if live then redis.call('XADD', KEYS[10], '*', 'p', A[i], 'a', A[i + 1], 'e', A[i + 2]) end
    i = i + 3
  end
  local nreply = tonumber(A[i]); i = i + 1
  for _ = 1, nreply do
    if live then
      local rk = KEYS[k]
      redis.call('RPUSH', rk, A[i])
      redis.call('PEXPIRE', rk, reply_ttl)
    end
    i = i + 1
    k = k + 1
  end
  local nreply_relay = tonumber(A[i]); i = i + 1
  for _ = 1, nreply_relay do
    if live then redis.call('XADD', KEYS[10], '*', 'c', A[i], 'r', A[i + 1]) end
    i = i + 2
  end
  local ndead = tonumber(A[i]); i = i + 1
  for _ = 1, ndead do
    if live then
      local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'actor', akey, 'reason', A[i],
        'error', A[i + 1], 'attempts', A[i + 2], 'worker', ARGV[1], 'envelope', A[i + 3],
        'held', A[i + 4])
      if A[i + 4] == '1' then redis.call('HSET', KEYS[8], akey, id) end
    end
    i = i + 5
  end
  local ntimer = tonumber(A[i]); i = i + 1
  for _ = 1, ntimer do
    if live then redis.call('ZADD', KEYS[6], tonumber(A[i]), akey .. '\0' .. A[i + 1]) end
    i = i + 2
  end
  local nrepeat = tonumber(A[i]); i = i + 1
  for _ = 1, nrepeat do
    if live then
      repeat_op(repeats, KEYS[6], akey, A[i], A[i + 1], A[i + 2], A[i + 3], A[i + 4], A[i + 5])
    end
    i = i + 6
  end
  local retry_at, retry_record = tonumber(A[i]), A[i + 1]
  i = i + 2
  if live then
    redis.call('LTRIM', mailbox, handled, -1)
    redis.call('HDEL', KEYS[4], akey)
    if retry_at > 0 then
      redis.call('HSET', KEYS[7], akey, retry_record)
      redis.call('ZADD', KEYS[6], retry_at, akey .. '\0')
    elseif retry_at < 0 then
      redis.call('HSET', KEYS[7], akey, retry_record)
    else
      -- retry_record is what the claim found ('' for none), and no one else writes it meanwhile
      if retry_record ~= '' then redis.call('HDEL', KEYS[7], akey) end
      if redis.call('EXISTS', mailbox) == 1 then
        redis.call('RPUSH', KEYS[3], akey)
        requeued[#requeued + 1] = akey
      end
    end
  end
end
return { redis.call('LLEN', KEYS[3]), stale, requeued, redis.call('XLEN', KEYS[10]) }
