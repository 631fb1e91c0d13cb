-- The directory and secondary indexes of one actor, written by the commit (docs/indexes.md).
-- KEYS[d] is the actor's directory bucket and KEYS[d + f] the sorted set of index field f, for
-- f = 1 .. n; args[a + 2f - 2] names field f and args[a + 2f - 1] is its value's encoding (empty:
-- not indexed), args being the script's ARGV or a table unpacked from it. A record lists the
-- actor's indexed fields and encodings, packed as stowed entries.

-- akey "<type>/<id>": types never hold '/'
local function split_akey(akey)
  local at = string.find(akey, '/', 1, true)
  return string.sub(akey, 1, at - 1), string.sub(akey, at + 1)
end

local function record_of(blob)
  local by_field = {}
  if blob then
    local e = unpack_stowed(blob)
    for j = 1, #e - 1, 2 do by_field[e[j]] = e[j + 1] end
  end
  return by_field
end

-- Takes the actor out of the directory and every declared index.
local function unlist(count_key, d, n, args, a, akey)
  local type, id = split_akey(akey)
  local old = redis.call('HGET', KEYS[d], id)
  if not old then return end
  local was = record_of(old)
  for f = 1, n do
    local enc = was[args[a + 2 * f - 2]]
    if enc then redis.call('ZREM', KEYS[d + f], enc .. id) end
  end
  redis.call('HDEL', KEYS[d], id)
  redis.call('HINCRBY', count_key, type, -1)
end

-- Lists the actor under the encodings given, moving its entries where a value changed.
local function list(count_key, d, n, args, a, akey)
  local type, id = split_akey(akey)
  if n == 0 then
    -- a type without indexes: the record is empty, and listing it once is all there is to do
    if redis.call('HSETNX', KEYS[d], id, '') == 1 then redis.call('HINCRBY', count_key, type, 1) end
    return
  end
  local old = redis.call('HGET', KEYS[d], id)
  local was = record_of(old)
  local record = {}
  for f = 1, n do
    local field, enc = args[a + 2 * f - 2], args[a + 2 * f - 1]
    if enc == '' then enc = nil end
    local prev = was[field]
    if prev ~= enc then
      if prev then redis.call('ZREM', KEYS[d + f], prev .. id) end
      if enc then redis.call('ZADD', KEYS[d + f], 0, enc .. id) end
    end
    if enc then
      record[#record + 1] = field
      record[#record + 1] = enc
    end
  end
  local packed = table.concat(pack_stowed(record, {}))
  if not old then redis.call('HINCRBY', count_key, type, 1) end
  if old ~= packed then redis.call('HSET', KEYS[d], id, packed) end
end
