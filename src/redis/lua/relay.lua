--[[
  relay: deliver sends that a turn in another partition (the source) committed to its outbox, on a
  Redis Cluster where its commit could not write this partition's keys. Entries come in the order
  the source's outbox holds them; each is applied at most once: the partition records, per source,
  the last outbox entry id applied, and skips entries at or below it. So a relay repeated after a
  crash, or run twice at once, delivers nothing twice and keeps each sender's order.

  KEYS[1]   relayed   {troupe:<ns>:<p>}:relayed (hash: source partition -> last entry id applied)
  KEYS[2]   ready     {troupe:<ns>:<p>}:ready
  KEYS[3]   wake      {troupe:<ns>:<p>}:wake
  KEYS[3+i] mailbox   {troupe:<ns>:<p>}:mb:<akey i>
  ARGV[1]   source partition
  ARGV[3i-1] entry id i (<ms>-<seq>, of the source's outbox stream, ascending)
  ARGV[3i]   akey i
  ARGV[3i+1] envelope i

  Returns: the number of entries applied (the others were applied before).
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
local function after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local last = redis.call('HGET', KEYS[1], ARGV[1]) or '0-0'
local applied = 0
for i = 1, (#ARGV - 1) / 3 do
  local id = ARGV[3 * i - 1]
  if after(id, last) then
    enqueue(KEYS[3 + i], KEYS[2], KEYS[3], ARGV[3 * i], ARGV[3 * i + 1])
    last = id
    applied = applied + 1
  end
end
if applied > 0 then redis.call('HSET', KEYS[1], ARGV[1], last) end
return applied
