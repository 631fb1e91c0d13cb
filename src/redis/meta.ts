import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import type { Keys } from './keys.ts';

export const DEFAULT_PARTITIONS = 64;

/**
 * Reads the system's partition count, creating the meta key on first use. P is fixed at creation:
 * changing it would move every actor to another partition.
 */
export async function ensureMeta(redis: Redis, keys: Keys, wanted?: number): Promise<number> {
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1 || wanted > 16384)) {
    throw new ConfigError(`partitions must be an integer from 1 to 16384; got ${wanted}`);
  }
  await redis.hsetnx(keys.meta(), 'partitions', wanted ?? DEFAULT_PARTITIONS);
  const stored = Number(await redis.hget(keys.meta(), 'partitions'));
  if (wanted !== undefined && stored !== wanted) {
    throw new ConfigError(
      `namespace "${keys.ns}" was created with ${stored} partitions; omit the partitions option or use ${stored}`,
    );
  }
  return stored;
}
