import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import { describeRedis, openRedis } from '../redis/connection.ts';
import type { GlobalOptions } from './options.ts';

/**
 * Runs `fn` with a connection for one shell command, closing it after. One attempt per command: a
 * shell tool should fail fast with a clear error, not retry for seconds.
 */
export async function withCliRedis<T>(g: GlobalOptions, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = openRedis(g.redis, { maxRetriesPerRequest: 1 });
  try {
    await redis.ping();
  } catch (cause) {
    redis.disconnect();
    throw new ConfigError(`cannot reach Redis at ${describeRedis(g.redis)}: start one or pass -r/--redis`, {
      cause,
    });
  }
  try {
    return await fn(redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
