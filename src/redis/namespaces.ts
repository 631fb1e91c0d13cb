import type { RedisClient } from './client.ts';
import { NamespaceNotFoundError } from '../errors.ts';
import type { Keys } from './keys.ts';
import { ensureMeta } from './meta.ts';
import { scanKeys } from './fan-out.ts';

/** `troupe:<ns>:meta` (Keys.meta). SCAN's `*` also crosses ':', so matches are checked against this. */
const META_KEY = /^troupe:([A-Za-z0-9_.-]+):meta$/;
/** Keys SCAN looks at per call. */
const SCAN_COUNT = 1000;
/** Keys looked at before the search gives up: it only feeds an error message, on any size of Redis. */
const SCAN_LIMIT = 100_000;

/** The namespaces found on one Redis. */
export interface NamespaceList {
  /** Sorted by name. */
  names: string[];
  /** False when the search stopped before it had looked at every key. */
  complete: boolean;
}

/**
 * The namespaces on this Redis (the current database), found by their meta keys. Bounded: it looks
 * at no more than `limit` keys, so an error about a mistyped namespace costs little on a big Redis.
 */
export async function listNamespaces(redis: RedisClient, limit = SCAN_LIMIT): Promise<NamespaceList> {
  const names = new Set<string>();
  let looked = 0;
  for await (const batch of scanKeys(redis, 'troupe:*:meta', SCAN_COUNT)) {
    for (const key of batch) {
      const name = META_KEY.exec(key)?.[1];
      if (name !== undefined) names.add(name);
    }
    looked += SCAN_COUNT;
    if (looked >= limit) return { names: [...names].sort(), complete: false };
  }
  return { names: [...names].sort(), complete: true };
}

/**
 * The partition count of a namespace that must exist already. Reads only (HGET), so it also works
 * on a read-only replica; a namespace without a meta key is a NamespaceNotFoundError naming the
 * namespaces that do exist.
 */
async function existingPartitions(redis: RedisClient, keys: Keys, where: string): Promise<number> {
  const stored = await redis.hget(keys.meta(), 'partitions');
  if (stored !== null) return Number(stored);
  const { names, complete } = await listNamespaces(redis);
  throw new NamespaceNotFoundError(keys.ns, where, names, complete);
}

/**
 * The partition count of the namespace, which is created (with `partitions`, default 64) when
 * `create` is true and otherwise must exist. A `partitions` that differs from the stored count is
 * refused either way.
 */
export async function namespacePartitions(
  redis: RedisClient,
  keys: Keys,
  options: { create: boolean; partitions: number | undefined; where: string },
): Promise<number> {
  if (options.create) return ensureMeta(redis, keys, options.partitions);
  const stored = await existingPartitions(redis, keys, options.where);
  // ensureMeta only compares here: the meta key exists, so HSETNX changes nothing
  return options.partitions === undefined ? stored : ensureMeta(redis, keys, options.partitions);
}
