import type { Redis } from 'ioredis';
import { stowLogs } from './context-log.ts';
import type { Keys } from './keys.ts';
import { LOG_LAYOUT, logLayout } from './meta.ts';
import { readPlacement } from './placement-store.ts';
import { withScripts } from './scripts.ts';

/** Log keys SCAN looks at per call. */
const SCAN_COUNT = 1_000;

export interface LayoutMigration {
  /** The layout the namespace had, and has now. */
  from: number;
  to: number;
  /** Logs moved from keys of their own into log buckets, and the entries they held. */
  logs: number;
  entries: number;
}

/**
 * Moves a namespace to this Troupe's log layout: records it in the meta hash, then stows every log
 * still in a key of its own (docs/context-log.md). Safe beside running workers of this version, and
 * safe to run again (a second run stows only what went back to lists since): stowing never changes
 * what a log reads. Workers of a version before layout 2 must be stopped first: they would not see
 * stowed entries. `progress` is called after each partition.
 */
export async function migrateLogLayout(
  redis: Redis,
  keys: Keys,
  progress: (done: number, of: number, so: LayoutMigration) => void = () => {},
): Promise<LayoutMigration> {
  const from = await logLayout(redis, keys);
  // unrecorded types of a namespace from before pools may have actors in the default pool: keep
  // them from being placed elsewhere without a move (place.lua)
  if (from < 3) await redis.hset(keys.meta(), 'predates-pools', 1, 'layout', LOG_LAYOUT);
  else await redis.hset(keys.meta(), 'layout', LOG_LAYOUT);
  const scripted = withScripts(redis);
  const out: LayoutMigration = { from, to: LOG_LAYOUT, logs: 0, entries: 0 };
  const placement = await readPlacement(redis, keys);
  const partitions = placement.total;
  for (let p = 0; p < partitions; p++) {
    const prefix = keys.logPrefix(p);
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', SCAN_COUNT);
      cursor = next;
      const akeys = found.map((key) => key.slice(prefix.length));
      out.entries += await stowLogs(scripted, keys, placement.countAt(p), p, akeys);
      out.logs += akeys.length;
    } while (cursor !== '0');
    progress(p + 1, partitions, out);
  }
  return out;
}
