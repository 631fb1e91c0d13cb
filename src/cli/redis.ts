import { ConfigError } from '../errors.ts';
import { closeRedis, connectRedis, describeRedis } from '../redis/connection.ts';
import type { RedisClient } from '../redis/client.ts';
import type { GlobalOptions } from './options.ts';

/**
 * Runs `fn` with a connection for one shell command, closing it after. One attempt per command: a
 * shell tool should fail fast with a clear error, not retry for seconds.
 */
export async function withCliRedis<T>(g: GlobalOptions, fn: (redis: RedisClient) => Promise<T>): Promise<T> {
  let redis: RedisClient;
  try {
    ({ redis } = await connectRedis(g.redis, { maxRetriesPerRequest: 1, enableAutoPipelining: true }));
  } catch (cause) {
    throw new ConfigError(`cannot reach Redis at ${describeRedis(g.redis)}: start one or pass -r/--redis`, {
      cause,
    });
  }
  try {
    return await fn(redis);
  } finally {
    await closeRedis(redis);
  }
}
