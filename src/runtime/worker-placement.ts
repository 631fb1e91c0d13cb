import type { ActorRegistry } from '../actor/registry.ts';
import type { Logger } from '../logger.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import { indexState } from '../redis/index-state.ts';
import { checkPlaced, placeTypes } from '../redis/placement-store.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { ResolvedWorkOptions } from './worker-options.ts';

/**
 * Records the pools of a starting worker's types (creating pools as they first appear) and checks
 * that each type's actors live in the pool its class names; warns of served pools that hold none
 * of its types, whose messages it could only dead-letter; marks the indexes of types without actors
 * complete, and warns of those added to types that have some. Returns the placement it read back.
 */
export async function placeWorkerTypes(
  scripted: ScriptedRedis,
  keys: Keys,
  registry: ActorRegistry,
  pools: ResolvedWorkOptions['pools'],
  log: Logger,
): Promise<Placement> {
  const counts = new Map(pools.map((p) => [p.name, p.partitions]));
  const types = registry.types().map((type) => {
    const pool = registry.require(type).pool;
    return { type, pool, partitions: counts.get(pool) };
  });
  const placement = await placeTypes(scripted, keys, types);
  checkPlaced(placement, types, keys.ns);
  for (const { name } of pools) {
    if (types.some((t) => t.pool === name)) continue;
    const known = types.map((t) => `${t.type} (${t.pool})`).join(', ');
    log.warn(
      { pool: name },
      `pool "${name}" is served by this worker, but none of its actor classes lives there (loaded: ${known}); ` +
        `its messages would be dead-lettered as unknown-type: load that pool's classes, or leave "${name}" out of pools`,
    );
  }
  for (const type of registry.types()) {
    const fields = registry.require(type).indexes.map((f) => f.name);
    if (fields.length === 0) continue;
    const state = await indexState(scripted.redis, keys, type, placement.rangeOfType(type), fields);
    if (state.unbuilt.length > 0) {
      log.warn(
        { type, fields: state.unbuilt },
        `the ${state.unbuilt.join(', ')} index of ${type} was added after its actors existed: ` +
          `this worker indexes the actors it runs, and queries on it are refused until \`troupe reindex ${type}\` has run`,
      );
    }
  }
  return placement;
}
