import type { Clock } from '../clock.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { encodeControl } from '../protocol/control.ts';
import { DEFAULT_POOL, Placement } from '../protocol/placement.ts';

export interface Heartbeat {
  /** Live workers' ids, sorted. */
  live: string[];
  /** The pools each live worker serves (a worker of a version before pools: `default`). */
  pools: Map<string, string[]>;
  /** Where actor types live now. */
  placement: Placement;
  /** Actor types paused by an operator. */
  paused: string[];
}

/** The worker registry and partition leases, as Redis operations for one worker. */
export class Leases {
  constructor(
    private readonly r: ScriptedRedis,
    private readonly keys: Keys,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly clock: Clock,
    /** The pools this worker serves. */
    private readonly pools: readonly string[],
  ) {}

  /**
   * Refreshes this worker's registry entry with `entry` (fields of its hash); returns the live
   * workers, sorted, and the paused actor types.
   */
  async heartbeat(entry: Record<string, string | number>, first: boolean): Promise<Heartbeat> {
    const k = this.keys;
    // sent together: the meta hash is in another slot than the registry's keys
    const [beat, meta] = await Promise.all([
      this.r.run(
        'heartbeat',
        [k.workers(), k.workerInfo(this.workerId), k.workerEvents(), k.pausedTypes(), k.workerPools()],
        [
          this.workerId,
          this.leaseMs,
          first ? '1' : '0',
          this.pools.join(','),
          ...Object.entries(entry).flat(),
        ],
      ),
      this.r.redis.hgetall(k.meta()),
    ]);
    const [live, paused, served] = beat as [string[], string[], (string | null)[]];
    const pools = new Map(live.map((w, i) => [w, served[i] ? served[i].split(',') : [DEFAULT_POOL]]));
    return { live, paused, pools, placement: Placement.fromMeta(meta) };
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
   * Extends the lease on p; tells whether it is still held, whether merges, actors or outbox entries wait
   * there, and when its earliest timer is due (-1 for none). Actors held for a type no longer paused go back to
   * the ready queue: renew.lua learns their lists' keys from its own reply, so a second call follows
   * at once when there are some.
   */
  async renew(
    p: number,
    epoch: number,
    paused: readonly string[],
  ): Promise<{ held: boolean; mergesDue: boolean; ready: boolean; outbox: boolean; nextTimer: number }> {
    const k = this.keys;
    let release: string[] = [];
    for (;;) {
      const [flags, next, held] = (await this.r.run(
        'renew',
        [
          k.owner(p),
          k.epoch(p),
          k.mergeDue(p),
          k.ready(p),
          k.timers(p),
          k.heldTypes(p),
          k.outbox(p),
          ...release.map((type) => k.held(p, type)),
        ],
        [this.workerId, epoch, this.leaseMs, ...release],
      )) as [number, number | string, string[]];
      const tried = release;
      release = held.filter((type) => !paused.includes(type) && !tried.includes(type));
      if (flags > 0 && release.length > 0) continue;
      return {
        held: flags > 0,
        mergesDue: (flags & 2) !== 0,
        ready: (flags & 4) !== 0,
        outbox: (flags & 8) !== 0,
        nextTimer: Number(next),
      };
    }
  }

  async release(p: number): Promise<boolean> {
    return (await this.r.run('release', [this.keys.owner(p)], [this.workerId])) === 1;
  }

  /** Leaves the registry (recording the death); returns the workers that remain. */
  async leave(): Promise<string[]> {
    const k = this.keys;
    const res = await this.r.redis
      .multi()
      .zrem(k.workers(), this.workerId)
      .hdel(k.workerPools(), this.workerId)
      .del(k.workerInfo(this.workerId))
      .xadd(
        k.workerEvents(),
        'MAXLEN',
        '~',
        1000,
        '*',
        'event',
        'left',
        'worker',
        this.workerId,
        'at',
        this.clock.now(),
      )
      .zrange(k.workers(), '0', '-1')
      .exec();
    const remaining = res?.[4]?.[1];
    return Array.isArray(remaining) ? (remaining as string[]).sort() : [];
  }

  /** Asks other workers to look at the registry now rather than at their next tick. */
  async notify(workers: readonly string[]): Promise<void> {
    const others = workers.filter((w) => w !== this.workerId);
    if (others.length === 0) return;
    const pipe = this.r.redis.pipeline();
    for (const w of others) {
      pipe.rpush(this.keys.control(w), encodeControl({ kind: 'rebalance' }));
      pipe.pexpire(this.keys.control(w), String(this.leaseMs * 3));
    }
    await pipe.exec();
  }
}
