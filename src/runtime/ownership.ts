import type { Clock } from '../clock.ts';
import type { Placement } from '../protocol/placement.ts';
import { assignPools } from './assignment.ts';
import type { Leases } from './leases.ts';
import type { Logger } from '../logger.ts';
import { Partition } from './partition.ts';

export interface OwnershipHooks {
  acquired(s: Partition): void;
  /** New partitions are owned; start serving them. */
  gained(): void;
  /** p is being handed over: stop waiting on it. */
  draining(s: Partition): void;
  released(p: number): void;
  lost(s: Partition, reason: string): void;
  /** A lease renewal's news about the partition: merges due, next timer, ready actors. */
  renewed(s: Partition, r: Awaited<ReturnType<Leases['renew']>>): void;
  /** The set of paused actor types changed (sorted). */
  paused(types: readonly string[]): void;
  /** This worker's registry entry as of now: fields of its hash. */
  entry(): Record<string, string | number>;
  /** Where actor types live, as the heartbeat read it (a pool may have appeared since). */
  placed(placement: Placement): void;
}

/**
 * Which partitions a worker owns, and keeping it so: a tick every leaseMs/3 sends the heartbeat,
 * renews every lease, and moves partitions to match the assignment over the live workers —
 * handing drained ones over at once and taking free ones with a new epoch.
 */
export class Ownership {
  private tickTimer: unknown;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private stopping = false;
  /** Live workers and the pools each serves, as the last heartbeat said. */
  private lastServed = new Map<string, string[]>();
  private beats = 0;
  private pausedNow: readonly string[] = [];

  constructor(
    /** Shared with the worker, which reads it on every claim and commit. */
    readonly owned: Map<number, Partition>,
    private readonly leases: Leases,
    private readonly opts: {
      workerId: string;
      placement: () => Placement;
      leaseMs: number;
      clock: Clock;
      logger: Logger;
    },
    private readonly hooks: OwnershipHooks,
  ) {}

  /** Joins the registry, takes this worker's share and starts ticking. */
  async start(): Promise<void> {
    const live = await this.heartbeat();
    this.opts.logger.info({ live: live.length }, 'worker joined');
    await this.leases.notify(live);
    await this.rebalance();
    this.scheduleTick();
  }

  /** Stops ticking, then hands every partition back and leaves the registry. */
  async stop(beforeRelease: () => Promise<void>): Promise<void> {
    this.stopping = true;
    this.opts.clock.clearTimeout(this.tickTimer);
    await this.ticking;
    await beforeRelease();
    const parts = [...this.owned.keys()];
    await Promise.all(parts.map((p) => this.leases.release(p).catch(() => false)));
    for (const p of parts) {
      this.owned.delete(p);
      this.hooks.released(p);
    }
    const remaining = await this.leases.leave().catch(() => []);
    await this.leases.notify(remaining).catch(() => undefined);
  }

  /** Heartbeat, lease renewal and rebalance now; never two at once. */
  tick(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.runTick()
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'lease tick failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.tick();
        }
      });
  }

  /** Stops serving a partition at once: its in-flight commits will be refused (or are moot). */
  lose(s: Partition, reason: string): void {
    if (this.owned.get(s.p) !== s) return;
    this.owned.delete(s.p);
    this.hooks.lost(s, reason);
  }

  /** Releases a draining partition once nothing of it is in flight, and tells its next owner. */
  async finishDrain(s: Partition): Promise<void> {
    if (!s.draining || !s.quiet || this.owned.get(s.p) !== s) return;
    this.owned.delete(s.p);
    await this.leases.release(s.p).catch(() => false);
    this.hooks.released(s.p);
    const next = [...this.assignment()].find(([, ps]) => ps.includes(s.p));
    if (next) await this.leases.notify([next[0]]).catch(() => undefined);
  }

  private scheduleTick(): void {
    if (this.stopping) return;
    this.tickTimer = this.opts.clock.setTimeout(
      () => {
        this.tick();
        this.scheduleTick();
      },
      Math.floor(this.opts.leaseMs / 3),
    );
  }

  /** Actor types paused by an operator, as the last heartbeat (or control message) said. */
  get paused(): readonly string[] {
    return this.pausedNow;
  }

  /** Applies a new set of paused types at once (a control message said it changed). */
  setPaused(types: readonly string[]): void {
    const sorted = [...types].sort();
    if (sorted.join('\n') === this.pausedNow.join('\n')) return;
    this.pausedNow = sorted;
    this.hooks.paused(sorted);
  }

  private async heartbeat(): Promise<string[]> {
    const { live, paused, pools, placement } = await this.leases.heartbeat(
      this.hooks.entry(),
      this.beats === 0,
    );
    this.beats++;
    this.setPaused(paused);
    this.lastServed = pools;
    this.hooks.placed(placement);
    return live;
  }

  private async runTick(): Promise<void> {
    await this.heartbeat();
    const states = [...this.owned.values()];
    const paused = this.paused;
    const renewed = await Promise.all(states.map((s) => this.leases.renew(s.p, s.epoch, paused)));
    states.forEach((s, i) => {
      if (this.owned.get(s.p) !== s) return;
      const r = renewed[i]!;
      if (!r.held) this.lose(s, 'lease lost');
      else this.hooks.renewed(s, r);
    });
    if (!this.stopping) await this.rebalance();
  }

  /** Which partitions each live worker should own now. */
  private assignment(): Map<string, number[]> {
    return assignPools(this.opts.placement().pools, this.lastServed);
  }

  private async rebalance(): Promise<void> {
    const mine = new Set(this.assignment().get(this.opts.workerId) ?? []);
    for (const s of this.owned.values()) {
      if (!mine.has(s.p) && !s.draining) {
        s.handOver();
        this.opts.logger.info({ partition: s.p }, 'handing partition over');
        void this.finishDrain(s);
        this.hooks.draining(s);
      }
    }
    const wanted = [...mine].filter((p) => !this.owned.has(p));
    const epochs = await Promise.all(wanted.map((p) => this.leases.acquire(p).catch(() => 0)));
    let gained = false;
    wanted.forEach((p, i) => {
      const epoch = epochs[i]!;
      if (epoch > 0 && !this.owned.has(p) && !this.stopping) {
        const s = new Partition(p, epoch, this.opts.placement().rangeOf(p).name);
        this.owned.set(p, s);
        gained = true;
        this.hooks.acquired(s);
      }
    });
    if (gained) this.hooks.gained();
  }
}
