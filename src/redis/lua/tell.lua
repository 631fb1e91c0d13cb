--[[
  tell: append a message to an actor's mailbox and route the actor to its pinned queue.

  KEYS[1] mailbox   {troupe:<ns>:<p>}:mb:<type>/<id>
  KEYS[2] ready     {troupe:<ns>:<p>}:ready
  KEYS[3] wake      {troupe:<ns>:<p>}:wake
  ARGV[1] actor key <type>/<id>
  ARGV[2] envelope  MessagePack bytes (see docs/protocol.md)

  Returns: the mailbox length after the append.
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
return enqueue(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2])
