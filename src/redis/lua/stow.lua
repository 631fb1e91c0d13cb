--[[
  stow: move the logs of idle actors out of their own keys into their partition's log buckets,
  where a small log costs a few bytes beside its context instead of a key of its own. Each log
  reads the same after (the stowed entries come first, then the list), so stowing needs no lock
  and no fencing: any process may stow any log at any time, beside commits and merges.

  KEYS[2i-1] log     {troupe:<ns>:<p>}:ctx:<akey i>
  KEYS[2i]   bucket  {troupe:<ns>:<p>}:logs:<bucket of akey i>
  ARGV[i]    akey i  <type>/<id>

  Returns: the number of entries moved.
]]
-- @include lib/stowed.lua
local moved = 0
for i = 1, #ARGV do moved = moved + stow(KEYS[2 * i - 1], KEYS[2 * i], ARGV[i]) end
return moved
