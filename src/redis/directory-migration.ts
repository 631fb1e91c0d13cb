/**
 * Layout 5 lists actors in a directory (docs/indexes.md). A namespace from before has none: this
 * lists every actor that has a context log, in its partition's directory bucket, with an empty
 * record (its index entries come from `troupe reindex <type>`), then counts each type's actors.
 * Safe to run again: listing is HSETNX, and the counts are counted afresh.
 */
import type { RedisClient } from './client.ts';
import type { Placement } from '../protocol/placement.ts';
import { dirBucketsPer, logBucketsPer } from '../protocol/partition.ts';
import type { Keys } from './keys.ts';
import { scanKeys } from './fan-out.ts';

/** Log buckets (or directory buckets) read per round trip. */
const BUCKETS_PER_READ = 256;

/**
 * The actors with a log of their own (a list key), by partition, from one scan of the namespace;
 * idle actors' logs are in log buckets, which `listLoggedActors` reads itself.
 */
export async function listedLogKeys(redis: RedisClient, keys: Keys): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for await (const found of scanKeys(redis, `${keys.tagOpener}*}:ctx:*`)) {
    for (const key of found) {
      const close = key.indexOf('}:ctx:');
      const p = Number(key.slice(keys.tagOpener.length, close));
      const list = out.get(p) ?? [];
      list.push(key.slice(close + '}:ctx:'.length));
      out.set(p, list);
    }
  }
  return out;
}

/**
 * Lists in partition p's directory every actor with a log there: `listed` (its actors with a list
 * key, from listedLogKeys) and those stowed in its log buckets. Returns how many it saw.
 */
export async function listLoggedActors(
  redis: RedisClient,
  keys: Keys,
  placement: Placement,
  p: number,
  listed: readonly string[],
): Promise<number> {
  const akeys = new Set<string>(listed);
  const count = placement.countAt(p);
  const logBuckets = logBucketsPer(count);
  for (let from = 0; from < logBuckets; from += BUCKETS_PER_READ) {
    const pipe = redis.pipeline();
    for (let b = from; b < Math.min(logBuckets, from + BUCKETS_PER_READ); b++)
      pipe.hkeys(keys.logBucket(p, b));
    for (const [err, fields] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      for (const akey of fields as string[]) akeys.add(akey);
    }
  }
  const types = new Set<string>();
  const pipe = redis.pipeline();
  for (const akey of akeys) {
    const slash = akey.indexOf('/');
    if (slash <= 0) continue;
    const type = akey.slice(0, slash);
    types.add(type);
    pipe.hsetnx(keys.dirOf(p, type, akey.slice(slash + 1), count), akey.slice(slash + 1), '');
  }
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  for (const type of types) await recount(redis, keys, p, type, count);
  return akeys.size;
}

/** Sets partition p's count of `type` to what its directory buckets hold. */
export async function recount(
  redis: RedisClient,
  keys: Keys,
  p: number,
  type: string,
  count: number,
): Promise<void> {
  const buckets = dirBucketsPer(count);
  let n = 0;
  for (let from = 0; from < buckets; from += BUCKETS_PER_READ) {
    const pipe = redis.pipeline();
    for (let b = from; b < Math.min(buckets, from + BUCKETS_PER_READ); b++) pipe.hlen(keys.dir(p, type, b));
    for (const [err, len] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      n += len as number;
    }
  }
  await redis.hset(keys.dirCount(p), type, n);
}
