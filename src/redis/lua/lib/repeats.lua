-- An actor's repeats (this.repeat): its hash `repeats` holds, per name, `m:<name>` (the member of
-- its next firing in the partition's timers set, `<akey>\0<envelope>`) and `r:<name>` (its rule,
-- method and due time, for listing). Every key comes from the caller's KEYS.

-- Removes the pending firing of `name`, if any.
local function unschedule(repeats, timers, name)
  local member = redis.call('HGET', repeats, 'm:' .. name)
  if member then redis.call('ZREM', timers, member) end
end

-- Schedules `name` to fire at `due` with `envelope`, replacing what was there.
local function schedule_repeat(repeats, timers, akey, name, due, envelope, record)
  local member = akey .. '\0' .. envelope
  redis.call('HSET', repeats, 'm:' .. name, member, 'r:' .. name, record)
  redis.call('ZADD', timers, tonumber(due), member)
end

-- One op of a commit item: set (replace), cancel, or next (only while `expect` is the repeat's
-- current firing: a repeat replaced or cancelled meanwhile is left as it is now). A next with an
-- empty envelope ends the repeat (a cron rule that never fires again).
local function repeat_op(repeats, timers, akey, op, name, due, envelope, record, expect)
  if op == 'next' then
    local current = redis.call('HGET', repeats, 'm:' .. name)
    if current ~= akey .. '\0' .. expect then return end
    if envelope == '' then
      redis.call('HDEL', repeats, 'm:' .. name, 'r:' .. name)
      return
    end
    schedule_repeat(repeats, timers, akey, name, due, envelope, record)
  elseif op == 'set' then
    unschedule(repeats, timers, name)
    schedule_repeat(repeats, timers, akey, name, due, envelope, record)
  else
    unschedule(repeats, timers, name)
    redis.call('HDEL', repeats, 'm:' .. name, 'r:' .. name)
  end
end

-- A destroyed actor's repeats: every pending firing unscheduled, the hash deleted.
local function unschedule_all(repeats, timers)
  if not repeats then return end
  local flat = redis.call('HGETALL', repeats)
  for j = 1, #flat, 2 do
    if string.sub(flat[j], 1, 2) == 'm:' then redis.call('ZREM', timers, flat[j + 1]) end
  end
  redis.call('DEL', repeats)
end
