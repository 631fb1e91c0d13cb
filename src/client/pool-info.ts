import type { RedisClient } from '../redis/client.ts';
import { decodeEnvelope } from '../protocol/envelope.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import { replies } from '../redis/replies.ts';
import type { WorkerInfo } from './registry.ts';
import { anySlotPipeline } from '../redis/fan-out.ts';

/** One pool: its partitions, the types placed in it, who serves it, and its backlog. */
export interface PoolInfo {
  name: string;
  /** Its partitions are first .. first+partitions-1. */
  first: number;
  partitions: number;
  /** Actor types placed in it (a type nobody placed yet is in `default` without being listed). */
  types: string[];
  /** Live workers serving it, by name. */
  workers: string[];
  /** Actors waiting for a turn in its partitions (ready queues). */
  ready: number;
  /** Actors claimed and not yet committed. */
  running: number;
  /**
   * How long the oldest message at the head of one of its ready queues has waited (ms since it was
   * sent, or fell due), on the Redis clock; null when nothing waits.
   */
  oldestWaitMs: number | null;
  /** Turns per second its workers ran over their last heartbeat interval (a few seconds). */
  turnRate: number;
}

/** What a pool's figures are summed from: each partition's queues, as `systemInfo` read them. */
export interface PartitionLoad {
  partition: number;
  pool: string;
  ready: number;
  running: number;
}

/**
 * The age of the oldest message at the head of each pool's ready queues: one LINDEX per partition
 * with actors waiting, then one for each head actor's first message.
 */
async function oldestWaits(
  redis: RedisClient,
  keys: Keys,
  partitions: readonly PartitionLoad[],
  now: number,
): Promise<Map<string, number>> {
  const waiting = partitions.filter((p) => p.ready > 0);
  const heads = anySlotPipeline(redis);
  for (const { partition } of waiting) heads.lindex(keys.ready(partition), 0);
  const headOf = replies(await heads.exec());
  const firsts = anySlotPipeline(redis);
  const pools: string[] = [];
  for (const { partition, pool } of waiting) {
    const akey = headOf() as string | null;
    if (akey === null) continue;
    firsts.lindexBuffer(keys.mailbox(partition, akey), 0);
    pools.push(pool);
  }
  const firstOf = replies(await firsts.exec());
  const oldest = new Map<string, number>();
  for (const pool of pools) {
    const bytes = firstOf() as Buffer | null;
    let sent: number;
    try {
      if (!bytes) continue;
      const env = decodeEnvelope(bytes);
      sent = env.due ?? env.sentAt;
    } catch {
      continue;
    }
    if (sent > 0) oldest.set(pool, Math.max(oldest.get(pool) ?? 0, now - sent));
  }
  return oldest;
}

/**
 * Each pool's backlog: sums over its partitions, the oldest wait at the head of its ready queues,
 * and the workers serving it with their turn rates (from their registry entries, already read).
 */
export async function poolInfo(
  redis: RedisClient,
  keys: Keys,
  placement: Placement,
  partitions: readonly PartitionLoad[],
  workers: readonly WorkerInfo[],
  now: number,
): Promise<PoolInfo[]> {
  const oldest = await oldestWaits(redis, keys, partitions, now);
  const byPool = placement.typesByPool();
  return placement.pools.map((r) => {
    const mine = partitions.filter((p) => p.pool === r.name);
    const serving = workers.filter((w) => w.pools.includes(r.name));
    const rate = serving.reduce((n, w) => n + (w.poolRates[r.name] ?? 0), 0);
    return {
      name: r.name,
      first: r.first,
      partitions: r.count,
      types: (byPool.get(r.name) ?? []).sort(),
      workers: serving.map((w) => w.name).sort(),
      ready: mine.reduce((n, p) => n + p.ready, 0),
      running: mine.reduce((n, p) => n + p.running, 0),
      oldestWaitMs: oldest.has(r.name) ? Math.max(0, oldest.get(r.name)!) : null,
      turnRate: Math.round(rate * 10) / 10,
    };
  });
}
