--[[
  tell_many: tell_batch for several partitions in one call, which the Node client uses on a single
  Redis (never on a Redis Cluster, where a script must stay in one slot): at moderate rates the
  tells of one tick mostly go to different partitions, and one script call each cost the sender
  and Redis more than the messages themselves. Same effect as tell_batch once per group, in order.
  Every key is passed in KEYS.

  For each group j (one partition), in order, with n_j messages:
  KEYS      ready, wake, then the mailbox of each of its messages (as tell_batch's KEYS)
  ARGV      n_j, then for each message its actor key and its envelope (as tell_batch's ARGV)

  Returns: the number of messages appended.
]]
-- @include lib/announce.lua
-- @include lib/enqueue.lua
local k, a, total = 1, 1, 0
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  local ready = KEYS[k]
  local wake = KEYS[k + 1]
  a, k = a + 1, k + 2
  for _ = 1, n do
    enqueue(KEYS[k], ready, wake, ARGV[a], ARGV[a + 1])
    a, k = a + 2, k + 1
  end
  total = total + n
end
return total
