-- The fencing check: only the current lease holder at the current epoch may touch the partition.
local function holds_lease(owner_key, epoch_key, worker, epoch)
  return redis.call('GET', owner_key) == worker and redis.call('GET', epoch_key) == epoch
end
