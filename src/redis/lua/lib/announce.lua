-- Announce `message` on `channel`: a sharded channel (in the slot of the keys the script touches,
-- which the owner subscribes to) on Redis 7+, a plain one on Redis 6, which has no SPUBLISH.
local function announce(channel, message)
  local sent = redis.pcall('SPUBLISH', channel, message)
  if type(sent) == 'table' and sent.err then redis.call('PUBLISH', channel, message) end
end
