import type { RedisClient } from '../redis/client.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import { checkPlaced, placeTypes, readPlacement } from '../redis/placement-store.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/**
 * A type found unplaced is routed to the default pool, and asked about again after this long: a
 * worker starting meanwhile places it, and later refs should follow.
 */
const ASK_AGAIN_MS = 1_000;

export interface PlacementsDeps {
  redis: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  registry: ActorRegistry;
}

/**
 * A client's view of where each actor type lives. A type it has not seen placed is looked up (or,
 * when the client has its class, placed) once, before its first message; after that routing is
 * computed without Redis.
 */
export class Placements {
  /** Types asked about and found unplaced, and when: routed to the default pool for a while. */
  private readonly unplaced = new Map<string, number>();
  private readonly learning = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: PlacementsDeps,
    private placement: Placement,
  ) {}

  get current(): Placement {
    return this.placement;
  }

  /** Whether `type`'s partitions are known without asking Redis. */
  known(type: string): boolean {
    const recorded = this.placement.recordedPool(type);
    if (recorded === undefined) {
      const at = this.unplaced.get(type);
      return at !== undefined && performance.now() - at < ASK_AGAIN_MS;
    }
    const entry = this.deps.registry.get(type);
    if (entry) checkPlaced(this.placement, [{ type, pool: entry.pool }], this.deps.keys.ns);
    return true;
  }

  partitionOf(type: string, id: string): number {
    return this.placement.partitionOf(type, id);
  }

  /** Places `type` (its class known) or reads where it is; rejects when its class disagrees. */
  learn(type: string): Promise<void> {
    let pending = this.learning.get(type);
    if (!pending) {
      pending = this.ask(type).finally(() => this.learning.delete(type));
      this.learning.set(type, pending);
    }
    return pending;
  }

  private async ask(type: string): Promise<void> {
    const { redis, scripted, keys, registry } = this.deps;
    const entry = registry.get(type);
    if (entry) {
      const wanted = [{ type, pool: entry.pool }];
      this.placement = await placeTypes(scripted, keys, wanted);
      checkPlaced(this.placement, wanted, keys.ns);
    } else {
      this.placement = await readPlacement(redis, keys);
    }
    if (this.placement.recordedPool(type) === undefined) this.unplaced.set(type, performance.now());
    else this.unplaced.delete(type);
  }
}
