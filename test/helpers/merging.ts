import type { Redis } from 'ioredis';
import { ActorRegistry } from '../../src/actor/registry.ts';
import type { ActorClass } from '../../src/actor/types.ts';
import { unpackStowed } from '../../src/protocol/log.ts';
import { actorKey, partitionOf } from '../../src/protocol/partition.ts';
import { Placement } from '../../src/protocol/placement.ts';
import { withScripts } from '../../src/redis/scripts.ts';
import type { ActorAt, MergeDeps } from '../../src/runtime/merge.ts';
import type { Troupe } from '../../src/index.ts';

/** What a test needs to run merges by hand beside a live system. */
export function mergeDeps(redis: Redis, troupe: Troupe, lockMs = 2_000, chunk = 10_000): MergeDeps {
  return {
    redis,
    scripted: withScripts(redis),
    keys: troupe.keys,
    placement: () => Placement.single(troupe.partitions),
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

/** Where an actor's log entries are stored: in its log bucket (stowed while idle), and in its list. */
export async function logShape(
  redis: Redis,
  troupe: Troupe,
  where: ActorAt,
): Promise<{ stowed: number; list: number }> {
  const stowed = await redis.hgetBuffer(
    troupe.keys.logBucketOf(where.p, where.akey, troupe.partitions),
    where.akey,
  );
  return {
    stowed: stowed ? unpackStowed(stowed).length : 0,
    list: await redis.llen(troupe.keys.log(where.p, where.akey)),
  };
}
