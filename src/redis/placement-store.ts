import type { RedisClient } from './client.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_POOL, Placement } from '../protocol/placement.ts';
import type { Keys } from './keys.ts';
import { fieldsOf } from './replies.ts';
import type { ScriptedRedis } from './scripts.ts';

/** Partitions of a pool created without a count of its own. */
export const DEFAULT_POOL_PARTITIONS = 64;

/** A type and the pool its class names; `partitions` counts the pool's if it is new. */
export interface TypeInPool {
  type: string;
  pool: string;
  partitions?: number | undefined;
}

/** The namespace's placement as its meta hash says now. */
export async function readPlacement(redis: RedisClient, keys: Keys): Promise<Placement> {
  return Placement.fromMeta(await redis.hgetall(keys.meta()));
}

/**
 * Records each type's pool where none is recorded (place.lua) and returns the placement after.
 * `move` records them whatever was recorded: `troupe migrate` does, and moves their keys.
 */
export async function placeTypes(
  scripted: ScriptedRedis,
  keys: Keys,
  types: readonly TypeInPool[],
  mode: 'place' | 'move' = 'place',
): Promise<Placement> {
  const args = [mode, ...types.flatMap((t) => [t.type, t.pool, t.partitions ?? DEFAULT_POOL_PARTITIONS])];
  const flat = (await scripted.run('place', [keys.meta()], args)) as string[];
  return Placement.fromMeta(fieldsOf(flat));
}

/**
 * Throws when a type's actors live in another pool than its class names: its messages would go
 * where its data is not. Moving a type is `troupe migrate`'s.
 */
export function checkPlaced(placement: Placement, types: readonly TypeInPool[], ns: string): void {
  for (const { type, pool } of types) {
    const recorded = placement.recordedPool(type);
    if (recorded === pool) continue;
    const now = recorded ?? DEFAULT_POOL;
    const why =
      recorded === undefined
        ? `namespace "${ns}" predates pools, so its "${type}" actors are in pool "${DEFAULT_POOL}"`
        : `namespace "${ns}" keeps actor type "${type}" in pool "${now}"`;
    throw new ConfigError(
      `${why}, but its class says pool "${pool}": run \`troupe -n ${ns} migrate --actors <module>\` ` +
        `with every worker of the namespace stopped to move them, or set \`static pool = '${now}'\` on the class`,
    );
  }
}
