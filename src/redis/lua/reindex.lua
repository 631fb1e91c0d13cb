--[[
  reindex: write the index entries of listed actors of one type in one partition, as computed by
  `troupe reindex` from a read of each actor's log, unless the log changed since that read (a
  commit, merge or stow ran meanwhile: the caller reads it again and retries). An actor no longer
  listed (destroyed meanwhile) is left alone.

  KEYS[1] dircount   {troupe:<ns>:<p>}:dir-count
  then per actor, in order, 3 + n keys:
    log       {troupe:<ns>:<p>}:ctx:<akey>
    bucket    {troupe:<ns>:<p>}:logs:<b> (its log bucket)
    dir       {troupe:<ns>:<p>}:dir:<type>:<b> (its directory bucket)
    index*    {troupe:<ns>:<p>}:ix:<type>:<field>, one per field
  ARGV[1] n, the number of fields
  then per actor, 2 + 2n values: akey, the log's fingerprint as read (sha1 hex of the stowed
  entries, NUL, the list's length, NUL, the list's last entry), then per field its name and its
  value's encoding (empty: not indexed).

  Returns: the akeys whose log changed since the read.
]]
-- @include lib/stowed.lua
-- @include lib/directory.lua
local n = tonumber(ARGV[1])
local changed = {}
local k, a = 2, 2
while a <= #ARGV do
  local akey = ARGV[a]
  local log = KEYS[k]
  local bucket = KEYS[k + 1]
  local len = redis.call('LLEN', log)
  local last = ''
  if len > 0 then last = redis.call('LINDEX', log, -1) end
  local seen = (redis.call('HGET', bucket, akey) or '') .. '\0' .. len .. '\0' .. last
  local _, id = split_akey(akey)
  if redis.sha1hex(seen) ~= ARGV[a + 1] then
    changed[#changed + 1] = akey
  elseif redis.call('HEXISTS', KEYS[k + 2], id) == 1 then
    list(KEYS[1], k + 2, n, ARGV, a + 2, akey)
  end
  k = k + 3 + n
  a = a + 2 + 2 * n
end
return changed
