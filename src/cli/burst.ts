import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Worker } from '../runtime/worker.ts';

/**
 * Whether partition p has work a worker could do now: ready actors, turns being run, actors parked
 * for a retry, or timers already due. Future timers and actors paused on a dead letter do not
 * count: they wait for time or for an operator, not for this worker.
 */
async function hasWork(redis: RedisClient, keys: Keys, p: number, now: number): Promise<boolean> {
  const res = await redis
    .multi()
    .llen(keys.ready(p))
    .hlen(keys.running(p))
    .hlen(keys.attempts(p))
    .hlen(keys.paused(p))
    .zcount(keys.timers(p), '-inf', now)
    .exec();
  const [ready = 0, running = 0, attempts = 0, paused = 0, due = 0] = (res ?? []).map(([err, v]) => {
    if (err) throw err;
    return Number(v);
  });
  return ready > 0 || running > 0 || attempts > paused || due > 0;
}

/**
 * Resolves once the worker holds partitions and none of them has work, twice in a row `pollMs`
 * apart (a tell landing between two looks is caught by the second): what `troupe worker --burst`
 * waits for before it stops.
 */
export async function untilDrained(
  worker: Worker,
  redis: RedisClient,
  keys: Keys,
  pollMs = 200,
): Promise<void> {
  let quiet = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const { partitions, inflight } = worker.stats();
    let busy = partitions.length === 0 || inflight > 0;
    const now = Date.now();
    for (const p of partitions) {
      if (busy) break;
      busy = await hasWork(redis, keys, p, now);
    }
    quiet = busy ? 0 : quiet + 1;
    if (quiet >= 2) return;
  }
}
