import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { readRegistryEntry, type RegistryEntry } from '../protocol/registry-entry.ts';

/** A live worker, as its last heartbeat described it. */
export type WorkerInfo = RegistryEntry;

/** A worker joining, leaving, or found dead, from the `worker-events` stream. */
export interface WorkerEvent {
  event: 'born' | 'left' | 'expired' | 'returned';
  worker: string;
  /** ms since the epoch. */
  at: number;
}

/** The live workers, sorted by name: those whose heartbeat has not expired on the Redis clock. */
export async function liveWorkers(redis: RedisClient, keys: Keys): Promise<WorkerInfo[]> {
  const [sec, micro] = await redis.time();
  const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  const ids = await redis.zrangebyscore(keys.workers(), `(${now}`, '+inf');
  if (ids.length === 0) return [];
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hgetall(keys.workerInfo(id));
  const res = (await pipe.exec()) ?? [];
  const out: WorkerInfo[] = [];
  ids.forEach((id, i) => {
    const h = res[i]?.[1] as Record<string, string> | undefined;
    // between its zset entry and its hash expiring, or before its first heartbeat finished
    if (h && Object.keys(h).length > 0) out.push(readRegistryEntry({ ...h, name: id }));
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The newest worker events first. */
export async function workerEvents(redis: RedisClient, keys: Keys, limit: number): Promise<WorkerEvent[]> {
  const entries = await redis.xrevrange(keys.workerEvents(), '+', '-', 'COUNT', limit);
  return entries.map(([, fields]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
    return { event: f.event as WorkerEvent['event'], worker: f.worker ?? '', at: Number(f.at) };
  });
}

/** The actor types paused now, sorted. */
export async function pausedTypes(redis: RedisClient, keys: Keys): Promise<string[]> {
  return (await redis.smembers(keys.pausedTypes())).sort();
}
