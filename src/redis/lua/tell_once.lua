--[[
  tell_once: `tell` with a caller-chosen message id that is accepted once. The first send with an id
  appends the message; a send with the same id within the window changes nothing, so a sender can
  retry after a lost reply without the actor seeing the message twice.

  KEYS[1] mailbox   {troupe:<ns>:<p>}:mb:<type>/<id>
  KEYS[2] ready     {troupe:<ns>:<p>}:ready
  KEYS[3] wake      {troupe:<ns>:<p>}:wake
  KEYS[4] seen      {troupe:<ns>:<p>}:seen:<message id>   (the envelope's `id`)
  ARGV[1] actor key <type>/<id>
  ARGV[2] envelope  MessagePack bytes (see docs/protocol.md); its `id` is the message id
  ARGV[3] window    ms during which a repeat of the id is dropped

  Returns: the mailbox length after the append, or 0 when the id was already accepted within its
  window (nothing appended).
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
if not redis.call('SET', KEYS[4], ARGV[1], 'NX', 'PX', ARGV[3]) then return 0 end
return enqueue(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2])
