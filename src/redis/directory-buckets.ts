import { dirBucketsPer } from '../protocol/partition.ts';
import type { RedisClient } from './client.ts';
import type { Keys } from './keys.ts';

/**
 * The ids in partition p's directory buckets of `type` (a pool of `partitions` partitions), read
 * `perRead` buckets per round trip and given a read at a time. Each id comes once: an actor's
 * bucket is fixed by its id, and a bucket is read whole.
 */
export async function* directoryIds(
  redis: RedisClient,
  keys: Keys,
  p: number,
  type: string,
  partitions: number,
  perRead: number,
): AsyncGenerator<string[]> {
  const buckets = dirBucketsPer(partitions);
  for (let from = 0; from < buckets; from += perRead) {
    const pipe = redis.pipeline();
    for (let b = from; b < Math.min(buckets, from + perRead); b++) pipe.hkeys(keys.dir(p, type, b));
    const ids: string[] = [];
    for (const [err, found] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      for (const id of found as string[]) ids.push(id);
    }
    if (ids.length > 0) yield ids;
  }
}
