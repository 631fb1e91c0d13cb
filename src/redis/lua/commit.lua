--[[
  commit: make the effects of a batch of turns durable at once, for one or more actors of a
  partition. Per actor: append its context segments, trim the handled mail, deliver its sends,
  write its replies and dead letters, then requeue it if mail remains. Nothing is written unless
  the caller holds the partition lease at the epoch it claimed with (fencing token), and an actor's
  part is skipped unless its claim token is still current (so a replayed commit is a no-op).

  Every key comes from KEYS: the fixed ones below, then the keys the items name by their index in
  KEYS (the encoder, src/runtime/commit-protocol.ts, lists each key once). The field names of the
  maps below are checked against the encoder by test/commit-protocol.test.ts.

  Cluster: besides the partition's own slot this script writes the namespace-wide dead-letter
  stream (KEYS.dead), the askers' reply lists (reply.list) and, for a send to another partition,
  that partition's mailbox, ready and wake keys. A standalone Redis allows it; the Cluster issue
  must move them (e.g. a per-partition dead-letter stream, replies and sends through the
  partition's outbox).

  KEYS[1]   owner     {troupe:<ns>:<p>}:owner
  KEYS[2]   epoch     {troupe:<ns>:<p>}:epoch
  KEYS[3]   ready     {troupe:<ns>:<p>}:ready
  KEYS[4]   running   {troupe:<ns>:<p>}:running (hash: akey -> claim token)
  KEYS[5]   dead      troupe:<ns>:dead (stream; namespace-wide)
  KEYS[6]   timers    {troupe:<ns>:<p>}:timers
  KEYS[7]   attempts  {troupe:<ns>:<p>}:attempts
  KEYS[8]   paused    {troupe:<ns>:<p>}:paused (hash: akey -> id of the dead letter it waits on)
  KEYS[9]   merge     {troupe:<ns>:<p>}:merge (actors flagged for merging)
  KEYS[10..] the keys named by index in the items: mailboxes, logs, send targets, reply lists
  ARGV[1]   worker    worker id
  ARGV[2]   epoch     the epoch the batches were claimed at
  ARGV[3]   replyTtl  ms a reply list lives
  ARGV[4]   deadKept  dead letters kept (approximate)
  ARGV[5..] one item per actor: a MessagePack map with the fields below

  item (one actor's batch of turns):
    akey         <type>/<id>
    token        the claim token its batch was claimed with
    handled      messages to trim from the mailbox head
    mergeAt      log length (in segments) at which to flag the actor for merging; 0 for never
    mailbox      index in KEYS of its mailbox
    log          index in KEYS of its context log; 0 when it appends no segment
    segments     context segments to append
    sends        send maps
    replies      reply maps
    dead         dead maps
    timers       timer maps
    retryAt      > 0: parked until then (ms) for a retry of the message at `handled`; -1: paused
                 on a held dead letter; 0: neither
    retryRecord  "<message id> <failed attempts>" while parked; otherwise the record to clear, or ''

  send (a message this batch sends, delivered now):
    mailbox      index in KEYS of the target's mailbox
    ready        index in KEYS of the target partition's ready queue
    wake         index in KEYS of the target partition's wake key
    akey         the target's <type>/<id>
    envelope     MessagePack bytes

  reply (an answer to an ask):
    list         index in KEYS of the asker's reply list troupe:<ns>:reply:<client>
    payload      MessagePack bytes

  dead (a message to the dead letters):
    reason       why, e.g. 'handler-failed'
    error        the error text
    attempts     attempts made
    envelope     the original bytes
    held         1 when the message stays at the mailbox head and the actor pauses on it, else 0

  timer (a message this actor sends itself later):
    due          ms since the epoch
    envelope     MessagePack bytes

  Returns: -1 when fenced; otherwise { length of the ready queue, { akeys skipped as stale },
           { akeys put back on the ready queue } }.
]]
-- @include lib/fence.lua
-- @include lib/enqueue.lua
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return -1 end
local reply_ttl = tonumber(ARGV[3])
local stale = {}
local requeued = {}
for n = 5, #ARGV do
  local item = cmsgpack.unpack(ARGV[n])
  local akey = item.akey
  if redis.call('HGET', KEYS[4], akey) ~= item.token then
    stale[#stale + 1] = akey
  else
    local segments = item.segments
    local nseg = #segments
    if nseg > 0 then
      local log = KEYS[item.log]
      -- unpack is bounded by the Lua C stack, so push in chunks
      local at, len = 1, 0
      while at <= nseg do
        local upto = math.min(at + 999, nseg)
        len = redis.call('RPUSH', log, unpack(segments, at, upto))
        at = upto + 1
      end
      local kept = len - 1
      -- a new log starts with an empty base (= initial())
      if len == nseg then
        redis.call('LPUSH', log, '')
        kept = nseg
      end
      -- flag a long log for the owner's merge sweep, which also finds it after a crash
      if item.mergeAt > 0 and kept >= item.mergeAt then redis.call('SADD', KEYS[9], akey) end
    end
    for _, send in ipairs(item.sends) do
      enqueue(KEYS[send.mailbox], KEYS[send.ready], KEYS[send.wake], send.akey, send.envelope)
    end
    for _, reply in ipairs(item.replies) do
      local list = KEYS[reply.list]
      redis.call('RPUSH', list, reply.payload)
      redis.call('PEXPIRE', list, reply_ttl)
    end
    for _, dead in ipairs(item.dead) do
      local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'actor', akey,
        'reason', dead.reason, 'error', dead.error, 'attempts', dead.attempts, 'worker', ARGV[1],
        'envelope', dead.envelope, 'held', dead.held)
      if dead.held == 1 then redis.call('HSET', KEYS[8], akey, id) end
    end
    for _, timer in ipairs(item.timers) do
      redis.call('ZADD', KEYS[6], timer.due, akey .. '\0' .. timer.envelope)
    end
    local mailbox = KEYS[item.mailbox]
    redis.call('LTRIM', mailbox, item.handled, -1)
    redis.call('HDEL', KEYS[4], akey)
    if item.retryAt > 0 then
      redis.call('HSET', KEYS[7], akey, item.retryRecord)
      redis.call('ZADD', KEYS[6], item.retryAt, akey .. '\0')
    elseif item.retryAt < 0 then
      redis.call('HSET', KEYS[7], akey, item.retryRecord)
    else
      redis.call('HDEL', KEYS[7], akey)
      if redis.call('EXISTS', mailbox) == 1 then
        redis.call('RPUSH', KEYS[3], akey)
        requeued[#requeued + 1] = akey
      end
    end
  end
end
return { redis.call('LLEN', KEYS[3]), stale, requeued }
