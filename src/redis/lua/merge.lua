--[[
  merge: replace the base and the oldest k segments of a context log with a new base folded from
  exactly those entries. Runs only for the holder of the actor's merge lock, and only if the base is
  still the one the fold started from, so it never loses or repeats a segment: appends go to the
  tail, and nothing but a merge changes the head.

  KEYS[1] log       {troupe:<ns>:<p>}:ctx:<type>/<id>   (or :hist: when trimming retained history)
  KEYS[2] lock      {troupe:<ns>:<p>}:lock:<type>/<id>
  KEYS[3] history   {troupe:<ns>:<p>}:hist:<type>/<id>
  KEYS[4] merge     {troupe:<ns>:<p>}:merge (actors flagged for merging)
  KEYS[5] bucket    {troupe:<ns>:<p>}:logs:<bucket> (the actor's log bucket)
  ARGV[1] lock token
  ARGV[2] sha1 (hex) of the base entry the fold started from
  ARGV[3] k, the number of segments folded
  ARGV[4] the new base entry
  ARGV[5] 1 to keep the folded entries in the history list (retainMs), else 0
  ARGV[6] actor key <type>/<id>: its merge flag is cleared (a later commit sets it again if needed)
  ARGV[7] 1 when KEYS[1] is the log: entries an idle actor stowed in its bucket go back to the head
          of the list first (they are the head of its log), else 0

  Returns: -1 when the lock is not held with this token; -2 when the base changed;
           otherwise the number of segments left in the log.
]]
-- @include lib/stowed.lua
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if ARGV[7] == '1' then unstow(KEYS[1], KEYS[5], ARGV[6]) end
local base = redis.call('LINDEX', KEYS[1], 0)
if not base or redis.sha1hex(base) ~= ARGV[2] then return -2 end
local k = tonumber(ARGV[3])
redis.call('SREM', KEYS[4], ARGV[6])
local folded = redis.call('LPOP', KEYS[1], k + 1)
redis.call('LPUSH', KEYS[1], ARGV[4])
if ARGV[5] == '1' and #folded > 1 then
  if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('RPUSH', KEYS[3], folded[1]) end
  -- unpack is bounded by the Lua C stack, so push in chunks
  local at = 2
  while at <= #folded do
    local upto = math.min(at + 999, #folded)
    redis.call('RPUSH', KEYS[3], unpack(folded, at, upto))
    at = upto + 1
  end
end
return redis.call('LLEN', KEYS[1]) - 1
