/**
 * Whether a type's indexes are complete (docs/indexes.md "Reindexing"). The type's state hash
 * `{troupe:<ns>}:index:<type>` holds `built:<field>` for each complete index, and `building` (the
 * fields of a reindex under way or stopped) with `done` (its partitions done). An index is complete
 * from the start when it exists before the type's first actor: commits keep it from then on.
 */
import type { RedisClient } from './client.ts';
import type { Keys } from './keys.ts';
import type { PoolRange } from '../protocol/placement.ts';

export interface IndexState {
  /** Fields a reindex is rebuilding (or stopped rebuilding). */
  building: string[];
  /** Fields of `fields` not complete and not being rebuilt. */
  unbuilt: string[];
}

/**
 * The state of `fields` of `type`, marking complete each one that is not yet while the type has
 * no actor (nothing to build). `range` is the type's pool.
 */
export async function indexState(
  redis: RedisClient,
  keys: Keys,
  type: string,
  range: PoolRange,
  fields: readonly string[],
): Promise<IndexState> {
  const key = keys.indexState(type);
  const state = await redis.hgetall(key);
  const building = state.building ? (JSON.parse(state.building) as string[]) : [];
  let unbuilt = fields.filter((f) => state[`built:${f}`] !== '1' && !building.includes(f));
  if (unbuilt.length > 0 && (await actorCount(redis, keys, type, range)) === 0) {
    await redis.hset(key, ...unbuilt.flatMap((f) => [`built:${f}`, '1']));
    unbuilt = [];
  }
  return { building, unbuilt };
}

/** Actors of `type` in its directory, over the partitions of its pool. */
export async function actorCount(
  redis: RedisClient,
  keys: Keys,
  type: string,
  range: PoolRange,
): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: range.count }, (_, i) => redis.hget(keys.dirCount(range.first + i), type)),
  );
  return counts.reduce((sum, n) => sum + Number(n ?? 0), 0);
}
