import { startPrivateRedis, type PrivateRedis } from '../../tools/private-redis.ts';

/**
 * A private redis-server for one test file, on a free port, that can be stopped and restarted.
 * The implementation lives in tools/private-redis.ts (the demo uses it too).
 */
export type TestRedis = PrivateRedis;

/** Starts redis-server; extra args go on its command line (e.g. ['--appendonly', 'yes']). */
export async function startRedis(extra: string[] = []): Promise<TestRedis> {
  return startPrivateRedis({ args: extra });
}
