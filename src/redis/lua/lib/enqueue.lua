-- Tell the partition's owner there is mail. At most one token waits in the wake list (claim.lua
-- deletes it), so a busy partition costs one signal per claim, not one per message. Each new token
-- is announced on a channel named like the wake key, which the owner subscribes to (announce.lua,
-- included before this file). The message is the
-- actor that made the partition ready, so the owner's claim can name its mailbox in KEYS.
local function wake_owner(wake, akey)
  if redis.call('LLEN', wake) == 0 then
    redis.call('RPUSH', wake, '1')
    announce(wake, akey)
  end
end

-- Append one envelope to an actor's mailbox. An actor with mail is always either on its
-- partition's ready queue or running, so only an empty-to-non-empty mailbox needs routing.
local function enqueue(mailbox, ready, wake, akey, envelope)
  local len = redis.call('RPUSH', mailbox, envelope)
  if len == 1 then
    redis.call('RPUSH', ready, akey)
    wake_owner(wake, akey)
  end
  return len
end
