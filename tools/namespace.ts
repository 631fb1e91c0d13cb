/**
 * Housekeeping for demos and examples: delete every key of one Troupe namespace. Not part of the
 * Troupe API. Only use it on a namespace nothing runs in any more (stop its workers first).
 */
import { Redis } from 'ioredis';

/** A namespace no earlier run used: `<prefix>-<time>-<random>`. */
export function freshNamespace(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Deletes the keys of `namespace` (`troupe:<ns>:*`, `{troupe:<ns>}:*` and `{troupe:<ns>:<p>}:*`) with SCAN + UNLINK,
 * never KEYS or FLUSHDB, so it is safe on a shared Redis. Returns how many keys it deleted.
 */
export async function dropNamespace(redisUrl: string, namespace: string): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) {
    // ':' would make `troupe:<ns>:*` match other namespaces (`a` vs `a:b`); glob characters worse.
    throw new Error(`refusing to drop namespace "${namespace}": only letters, digits, _ . - are handled`);
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    for (const pattern of [`troupe:${namespace}:*`, `{troupe:${namespace}}:*`, `{troupe:${namespace}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
