import type { Redis } from 'ioredis';
import { ActorRegistry } from '../../src/actor/registry.ts';
import type { ActorClass } from '../../src/actor/types.ts';
import { actorKey, partitionOf } from '../../src/protocol/partition.ts';
import { withScripts } from '../../src/redis/scripts.ts';
import type { ActorAt, MergeDeps } from '../../src/runtime/merge.ts';
import type { Troupe } from '../../src/index.ts';

/** What a test needs to run merges by hand beside a live system. */
export function mergeDeps(redis: Redis, troupe: Troupe, lockMs = 2_000, chunk = 10_000): MergeDeps {
  return {
    redis,
    scripted: withScripts(redis),
    keys: troupe.keys,
    lockMs,
    chunk,
    now: () => Date.now(),
  };
}

export function at(troupe: Troupe, type: string, id: string): ActorAt {
  return { p: partitionOf(type, id, troupe.partitions), akey: actorKey(type, id) };
}

export function entryOf(cls: ActorClass) {
  return new ActorRegistry([cls]).require(cls.type ?? cls.name);
}
