import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** The worker registry and partition leases, as Redis operations for one worker. */
export class Leases {
  constructor(
    private readonly r: ScriptedRedis,
    private readonly keys: Keys,
    private readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  /** Refreshes this worker's registry entry; returns the live workers, sorted. */
  async heartbeat(): Promise<string[]> {
    return (await this.r.run('heartbeat', [this.keys.workers()], [this.workerId, this.leaseMs])) as string[];
  }

  /** Takes partition p with a new epoch; returns the epoch, or 0 when another worker holds it. */
  async acquire(p: number): Promise<number> {
    const k = this.keys;
    const epoch = await this.r.run(
      'acquire',
      [k.owner(p), k.epoch(p), k.ready(p), k.running(p)],
      [this.workerId, this.leaseMs],
    );
    return Number(epoch);
  }

  /**
   * Extends the lease on p; tells whether it is still held, whether merges or actors wait there, and
   * when its earliest timer is due (-1 for none).
   */
  async renew(
    p: number,
    epoch: number,
  ): Promise<{ held: boolean; mergesDue: boolean; ready: boolean; nextTimer: number }> {
    const k = this.keys;
    const [flags, next] = (await this.r.run(
      'renew',
      [k.owner(p), k.epoch(p), k.mergeDue(p), k.ready(p), k.timers(p)],
      [this.workerId, epoch, this.leaseMs],
    )) as [number, number | string];
    return {
      held: flags > 0,
      mergesDue: (flags & 2) !== 0,
      ready: (flags & 4) !== 0,
      nextTimer: Number(next),
    };
  }

  async release(p: number): Promise<boolean> {
    return (await this.r.run('release', [this.keys.owner(p)], [this.workerId])) === 1;
  }

  /** Leaves the registry; returns the workers that remain. */
  async leave(): Promise<string[]> {
    await this.r.redis.zrem(this.keys.workers(), this.workerId);
    return (await this.r.redis.zrange(this.keys.workers(), '0', '-1')).sort();
  }

  /** Asks other workers to look at the registry now rather than at their next tick. */
  async notify(workers: readonly string[]): Promise<void> {
    const others = workers.filter((w) => w !== this.workerId);
    if (others.length === 0) return;
    const pipe = this.r.redis.pipeline();
    for (const w of others) {
      pipe.rpush(this.keys.control(w), 'rebalance');
      pipe.pexpire(this.keys.control(w), String(this.leaseMs * 3));
    }
    await pipe.exec();
  }
}
