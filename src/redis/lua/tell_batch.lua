--[[
  tell_batch: append several envelopes, all for actors of one partition, in one call: the Node
  client coalesces the tells issued in one tick this way. Same effect as `tell` once per message,
  in order. Every mailbox is passed in KEYS (one per message, repeated for an actor that gets
  several), so the script touches only declared keys, all in the partition's slot.

  KEYS[1]   ready     {troupe:<ns>:<p>}:ready
  KEYS[2]   wake      {troupe:<ns>:<p>}:wake
  KEYS[2+i] mailbox   {troupe:<ns>:<p>}:mb:<type>/<id> of message i
  ARGV[2i-1] actor key <type>/<id> of message i
  ARGV[2i]   envelope  MessagePack bytes of message i (see docs/protocol.md)

  Returns: the number of messages appended.
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
local n = #ARGV / 2
for i = 1, n do
  enqueue(KEYS[2 + i], KEYS[1], KEYS[2], ARGV[2 * i - 1], ARGV[2 * i])
end
return n
