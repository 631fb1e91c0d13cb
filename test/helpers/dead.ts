import type { Redis } from 'ioredis';
import { compareEntryIds } from '../../src/protocol/dead-letter-id.ts';
import type { Keys } from '../../src/redis/keys.ts';

/** Dead letters in every partition's stream of a namespace of `partitions` partitions. */
export async function deadCount(redis: Redis, keys: Keys, partitions: number): Promise<number> {
  const lens = await Promise.all([...Array(partitions).keys()].map((p) => redis.xlen(keys.dead(p))));
  return lens.reduce((a, b) => a + b, 0);
}

/** Every dead-letter entry of the namespace, raw, oldest first across the partitions' streams. */
export async function deadEntries(
  redis: Redis,
  keys: Keys,
  partitions: number,
): Promise<[Buffer, Buffer[]][]> {
  const all = await Promise.all(
    [...Array(partitions).keys()].map((p) => redis.xrangeBuffer(keys.dead(p), '-', '+')),
  );
  return all.flat().sort(([a], [b]) => compareEntryIds(a.toString(), b.toString()));
}
