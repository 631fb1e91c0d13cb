import type { RedisClient } from './client.ts';
import { ConfigError } from '../errors.ts';
import type { Keys } from './keys.ts';

export const DEFAULT_PARTITIONS = 64;

/**
 * The namespace layout this Troupe reads and writes, recorded in field `layout` of the meta hash
 * (absent for 1): 1, each context log in a list of its own; 2, idle actors' logs stowed in
 * per-partition log buckets (docs/context-log.md); 3, actor types placed in pools (docs/protocol.md
 * "Pools"); 4, the namespace-wide keys under one hash tag `{troupe:<ns>}` and dead letters kept per
 * partition, so every script is single-slot on a Redis Cluster (docs/protocol.md "Layouts"); 5, a
 * directory of every actor, kept by the commit beside the type's secondary indexes (docs/indexes.md).
 * Workers of this version serve only layout 5: `troupe migrate` moves an older namespace to it.
 */
export const LAYOUT = 5;

/**
 * Reads the system's partition count, creating the meta key on first use. P is fixed at creation:
 * changing it would move every actor to another partition.
 */
export async function ensureMeta(redis: RedisClient, keys: Keys, wanted?: number): Promise<number> {
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1 || wanted > 16384)) {
    throw new ConfigError(`partitions must be an integer from 1 to 16384; got ${wanted}`);
  }
  // a namespace created now has the newest log layout; an older one keeps its own until migrated
  if ((await redis.hsetnx(keys.meta(), 'partitions', wanted ?? DEFAULT_PARTITIONS)) === 1) {
    await redis.hset(keys.meta(), 'layout', LAYOUT);
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
 * The namespace's layout (1 when not recorded). A layout newer than this Troupe's is a ConfigError:
 * its workers would miss data they do not know how to read.
 */
export async function namespaceLayout(redis: RedisClient, keys: Keys): Promise<number> {
  const layout = Number((await redis.hget(keys.meta(), 'layout')) ?? 1);
  if (!(layout <= LAYOUT)) {
    throw new ConfigError(
      `namespace "${keys.ns}" is stored in layout ${String(layout)}, newer than this Troupe reads (${LAYOUT}): upgrade troupe in this service`,
    );
  }
  return layout;
}

/** Throws a ConfigError naming the fix unless the namespace is in this Troupe's layout. */
export async function requireLayout(redis: RedisClient, keys: Keys, what: string): Promise<void> {
  const layout = await namespaceLayout(redis, keys);
  if (layout < LAYOUT) {
    throw new ConfigError(
      `namespace "${keys.ns}" is stored in layout ${layout}, by an older Troupe; ${what} needs layout ${LAYOUT}. ` +
        `Stop the namespace's workers, then run \`npx troupe -n ${keys.ns} migrate\` (it is safe to run again), and start workers of this version.`,
    );
  }
}
