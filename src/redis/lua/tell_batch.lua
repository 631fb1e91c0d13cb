--[[
  tell_batch: append several envelopes, all for actors of one partition, in one call: the Node
  client coalesces the tells issued in one tick this way. Same effect as `tell` once per message,
  in order. Mailbox keys are built from the partition's prefix, as claim.lua does: they share the
  partition's hash tag, so they live in the same slot as the declared keys.

  KEYS[1] ready     {troupe:<ns>:<p>}:ready
  KEYS[2] wake      {troupe:<ns>:<p>}:wake
  ARGV[1] mailbox key prefix {troupe:<ns>:<p>}:mb:
  ARGV[2i]   actor key <type>/<id> of message i
  ARGV[2i+1] envelope  MessagePack bytes of message i (see docs/protocol.md)

  Returns: the number of messages appended.
]]
-- @include lib/enqueue.lua
local prefix = ARGV[1]
local n = (#ARGV - 1) / 2
for i = 1, n do
  local akey = ARGV[2 * i]
  enqueue(prefix .. akey, KEYS[1], KEYS[2], akey, ARGV[2 * i + 1])
end
return n
