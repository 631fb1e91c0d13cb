import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import type { Keys } from './keys.ts';

export const DEFAULT_PARTITIONS = 64;

/**
 * The newest namespace layout this Troupe reads and writes: 1, each context log in a list of its
 * own; 2, idle actors' logs stowed in per-partition log buckets too (docs/context-log.md); 3, actor
 * types placed in pools, each pool with partitions of its own (docs/protocol.md "Pools"). Readers
 * of a layout read the older ones; a namespace records its layout (field `layout` of the meta hash,
 * absent for 1) so that workers only stow once every worker can read what they stow, and only
 * place a type outside the default pool once no worker routes without pools.
 */
export const LOG_LAYOUT = 3;

/**
 * Reads the system's partition count, creating the meta key on first use. P is fixed at creation:
 * changing it would move every actor to another partition.
 */
export async function ensureMeta(redis: Redis, keys: Keys, wanted?: number): Promise<number> {
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1 || wanted > 16384)) {
    throw new ConfigError(`partitions must be an integer from 1 to 16384; got ${wanted}`);
  }
  // a namespace created now has the newest log layout; an older one keeps its own until migrated
  if ((await redis.hsetnx(keys.meta(), 'partitions', wanted ?? DEFAULT_PARTITIONS)) === 1) {
    await redis.hset(keys.meta(), 'layout', LOG_LAYOUT);
  }
  const stored = Number(await redis.hget(keys.meta(), 'partitions'));
  if (wanted !== undefined && stored !== wanted) {
    throw new ConfigError(
      `namespace "${keys.ns}" was created with ${stored} partitions; omit the partitions option or use ${stored}`,
    );
  }
  return stored;
}

/**
 * The namespace's log layout (1 when not recorded). A layout newer than this Troupe's is a
 * ConfigError: its workers would miss the logs it does not know how to read.
 */
export async function logLayout(redis: Redis, keys: Keys): Promise<number> {
  const layout = Number((await redis.hget(keys.meta(), 'layout')) ?? 1);
  if (!(layout <= LOG_LAYOUT)) {
    throw new ConfigError(
      `namespace "${keys.ns}" stores context logs in layout ${String(layout)}, newer than this Troupe reads (${LOG_LAYOUT}): upgrade troupe in this service`,
    );
  }
  return layout;
}
