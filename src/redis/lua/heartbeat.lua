--[[
  heartbeat: keep a worker in the registry, refresh its entry, and drop workers whose heartbeat
  expired. Uses the Redis clock so workers on different hosts agree on who is alive.

  A worker's entry expires at the very time its score in the registry does (PEXPIREAT to the same
  ms), so dropping an expired worker needs no DEL of its entry, whose key the script cannot name.

  Cluster: every key has the namespace's hash tag {troupe:<ns>}, so the script runs in one slot.
  The meta hash, which is not in that slot, is read beside it (Leases.heartbeat).

  KEYS[1] workers   {troupe:<ns>}:workers (sorted set: worker id -> expiry ms)
  KEYS[2] info      {troupe:<ns>}:worker:<id> (hash: the worker's registry entry)
  KEYS[3] events    {troupe:<ns>}:worker-events (stream: born, returned, left, expired)
  KEYS[4] paused    {troupe:<ns>}:paused-types (set)
  KEYS[5] pools     {troupe:<ns>}:worker-pools (hash: worker id -> the pools it serves, comma-separated)
  ARGV[1] worker id
  ARGV[2] time to live in ms
  ARGV[3] '1' on the worker's first heartbeat
  ARGV[4] the pools this worker serves, comma-separated
  ARGV[5..] field, value, ... of the worker's entry

  Returns: { ids of the live workers sorted, paused actor types, the pools of each live worker (in
  the order of the ids; false for a worker of a version before pools, which serves the default pool) }.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local function event(kind, id)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'event', kind, 'worker', id, 'at', now)
end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  event('expired', dead)
  redis.call('HDEL', KEYS[5], dead)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local added = redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if ARGV[3] == '1' then
  event('born', ARGV[1])
elseif added == 1 then
  -- declared dead while it was stalled (a long GC pause, SIGSTOP), and back now
  event('returned', ARGV[1])
end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[4])
if #ARGV > 4 then redis.call('HSET', KEYS[2], unpack(ARGV, 5)) end
redis.call('HSET', KEYS[2], 'heartbeatAt', now, 'expiresAt', now + ttl)
redis.call('PEXPIREAT', KEYS[2], now + ttl)
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(live)
local pools = {}
if #live > 0 then pools = redis.call('HMGET', KEYS[5], unpack(live)) end
return { live, redis.call('SMEMBERS', KEYS[4]), pools }
