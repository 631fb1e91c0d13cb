-- An idle actor's log entries stowed as one value of its log bucket: each entry as its length
-- (LEB128 varint) then its bytes (src/protocol/log.ts packStowed reads and writes the same).
local function pack_stowed(entries, out)
  for _, e in ipairs(entries) do
    local n = #e
    while n >= 128 do
      out[#out + 1] = string.char(n % 128 + 128)
      n = math.floor(n / 128)
    end
    out[#out + 1] = string.char(n)
    out[#out + 1] = e
  end
  return out
end

local function unpack_stowed(blob)
  local entries, at = {}, 1
  while at <= #blob do
    local n, scale, b = 0, 1, 0
    repeat
      b = string.byte(blob, at)
      at = at + 1
      n = n + (b % 128) * scale
      scale = scale * 128
    until b < 128
    entries[#entries + 1] = string.sub(blob, at, at + n - 1)
    at = at + n
  end
  return entries
end

-- Moves the whole log list after the entries stowed in the bucket: the log reads the same after.
local function stow(log_key, bucket_key, akey)
  local list = redis.call('LRANGE', log_key, 0, -1)
  if #list == 0 then return 0 end
  local out = { redis.call('HGET', bucket_key, akey) or '' }
  redis.call('HSET', bucket_key, akey, table.concat(pack_stowed(list, out)))
  redis.call('DEL', log_key)
  return #list
end

-- Puts the stowed entries back at the head of the log list (a merge folds from the list).
local function unstow(log_key, bucket_key, akey)
  local blob = redis.call('HGET', bucket_key, akey)
  if not blob then return end
  local entries = unpack_stowed(blob)
  for j = #entries, 1, -1 do redis.call('LPUSH', log_key, entries[j]) end
  redis.call('HDEL', bucket_key, akey)
end
