-- Append one envelope to an actor's mailbox. An actor with mail is always either on its
-- partition's ready queue or running, so only an empty-to-non-empty mailbox needs routing.
local function enqueue(mailbox, ready, wake, akey, envelope)
  local len = redis.call('RPUSH', mailbox, envelope)
  if len == 1 then
    redis.call('RPUSH', ready, akey)
    if redis.call('LLEN', wake) == 0 then
      redis.call('RPUSH', wake, '1')
    end
  end
  return len
end
