import type { EventEmitter } from 'node:events';
import { nanoid } from 'nanoid';
import type { Replicas } from '../redis/replicas.ts';
import type { ActorUpkeep } from './actor-upkeep.ts';
import type { CommitItem } from './commit-item.ts';
import { BatchStart, type BatchStartDeps } from './batch-start.ts';
import type { Ownership } from './ownership.ts';
import { claimReady, type Claimed } from './partition-scripts.ts';
import type { ClaimTicket, Partition } from './partition.ts';
import { Capacity } from './capacity.ts';
import { flushCommits, type CommitFlushDeps } from './commit-flush.ts';
import { PoolShares } from './pool-shares.ts';
import type { TimerFiring } from './timers.ts';
import type { WorkerEvents } from './worker-types.ts';

/**
 * The most a partition's claim may take is at least this, even when many partitions wait: a claim
 * and its commit cost a script call each whatever their size, and with 64 partitions waiting a
 * share of 4 made them so (measured in-process at 100k actors: 15.6k msgs/s at 4 actors per commit,
 * 19.1k at 8; 32 gave no more). A claim takes only what it knows to be ready, so a quiet partition's
 * claim stays small and costs no other partition capacity.
 */
const CLAIM_SHARE_MIN = 16;

/** A batch a claim took, waiting for a turn slot. */
interface ClaimedBatch {
  s: Partition;
  c: Claimed;
  token: string;
}

export interface SchedulerDeps extends BatchStartDeps {
  ownership: Ownership;
  timers: TimerFiring;
  upkeep: ActorUpkeep;
  /** Relays partition p's outbox (a Redis Cluster's commits leave cross-slot sends there). */
  relay: (p: number) => void;
  /** Replicas a commit waits for before it counts, if any. */
  replicas: Replicas | undefined;
  /** The worker, whose `committed` and `fenced` events are emitted from here. */
  events: EventEmitter<WorkerEvents>;
}

/**
 * The turn pipeline of a worker's partitions: a woken partition claims ready actors and their
 * mail, each actor's batch runs on its in-memory instance (activated from its log on first use),
 * and batches that finish in one tick of the event loop share one commit per partition. How many
 * batches may be claimed, run and wait for commits is `capacity.ts`'s to say.
 */
export class Scheduler {
  private readonly capacity: Capacity<ClaimedBatch>;
  /** Round robin: the next pump starts at the first waiting partition at or after this one. */
  private pumpFrom = 0;
  private stopping = false;
  private pumpQueued = false;
  /** Partitions with a commit due at the next check phase. */
  private readonly toFlush: Partition[] = [];
  private readonly pools: PoolShares;
  private readonly flushDeps: CommitFlushDeps;
  private readonly batches: BatchStart;

  constructor(private readonly deps: SchedulerDeps) {
    const pools = new PoolShares(deps.opts.pools, deps.opts.concurrency);
    this.pools = pools;
    this.flushDeps = {
      scripts: deps.scripts,
      keys: deps.keys,
      owned: deps.owned,
      replyTtlMs: deps.opts.replyTtlMs,
      replicas: deps.replicas,
      counters: deps.counters,
      log: deps.log,
      events: deps.events,
      ownership: deps.ownership,
      relay: deps.relay,
      committed: {
        counters: deps.counters,
        timers: deps.timers,
        upkeep: deps.upkeep,
        clock: deps.clock,
        events: deps.events,
        counted: (pool, n) => pools.counted(pool, n),
      },
      finish: (s, n) => this.finishItems(s, n),
      reset: (s, err) => this.reset(s, err),
    };
    this.batches = new BatchStart(deps, {
      commit: (s, item) => this.queueCommit(s, item),
      dropped: (s, err) => this.dropBatch(s, err),
      broken: (s) => {
        this.ran(s);
        this.finishItems(s, 1);
      },
    });
    this.capacity = new Capacity(deps.opts.concurrency, {
      rank: (b) => pools.rank(b.s.pool),
      mayRun: (b) => pools.mayRun(b.s.pool),
    });
  }

  /** Batches claimed and not yet committed: waiting to run, running or committing. */
  get inflight(): number {
    return this.capacity.inflight;
  }

  /** Batches whose turns run now. */
  get runningBatches(): number {
    return this.capacity.running;
  }

  /** Turns run so far in each pool served. */
  turnsByPool(): Map<string, number> {
    return this.pools.turns();
  }

  /** Claims nothing more from now on. */
  stopClaiming(): void {
    this.stopping = true;
  }

  /** Resolves once no batch runs or commits and no claim is under way. */
  whenIdle(): Promise<void> {
    return this.capacity.whenIdle();
  }

  /** After a Redis error the outcome of a claim or commit is unknown: start the partition afresh. */
  private reset(s: Partition, err: unknown): void {
    this.deps.log.warn({ err, partition: s.p }, 'redis error; partition will be re-acquired');
    this.deps.ownership.lose(s, 'redis error');
    this.deps.ownership.tick();
  }

  /** New mail in partition p; `akey` is the actor the wake message named, if any. */
  onWake(p: number, akey?: string): void {
    const s = this.deps.owned.get(p);
    // a partition being handed over: its new owner claims what is ready when it subscribes
    if (!s || s.draining) return;
    s.woke(akey);
    this.pumpSoon();
  }

  /** Pumps once the current task's work is done: the wakes and turns of one task share claims. */
  private pumpSoon(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Claims for every partition with work, as far as capacity allows (Capacity.claimable). */
  pump(): void {
    if (this.stopping) return;
    let capacity = this.capacity.claimable();
    if (capacity === 0) return;
    let waiting = [...this.deps.owned.values()].filter((s) => s.wantsClaim);
    if (waiting.length === 0) return;
    // Every partition with work claims in this tick (the calls share one pipeline), each taking a
    // share of the capacity. Claiming one partition at a time made later partitions wait for
    // earlier ones that kept getting mail. Round robin decides who goes first when capacity is short.
    const share = Math.max(CLAIM_SHARE_MIN, Math.ceil(capacity / waiting.length));
    const start = Math.max(
      0,
      waiting.findIndex((s) => s.p >= this.pumpFrom),
    );
    waiting = [...waiting.slice(start), ...waiting.slice(0, start)];
    // strict priority between pools: an earlier pool's partitions claim first (a stable sort keeps
    // the round robin within a pool)
    if (this.pools.several) waiting.sort((a, b) => this.pools.rank(a.pool) - this.pools.rank(b.pool));
    for (const s of waiting) {
      if (capacity <= 0) break;
      const room = this.pools.room(s.pool);
      if (room <= 0) continue;
      const ticket = s.startClaim(Math.min(capacity, share, room));
      void this.claim(s, ticket);
      capacity -= ticket.hints.length;
      this.pumpFrom = s.p + 1;
    }
  }

  /**
   * Claims the actors named in `hints` (those at the head of s's ready queue); with none, only
   * learns the head, for the next claim to name.
   */
  private async claim(s: Partition, ticket: ClaimTicket): Promise<void> {
    const token = nanoid(10);
    const n = ticket.hints.length;
    this.capacity.reserve(n);
    this.pools.claiming(s.pool, n);
    let res: Awaited<ReturnType<typeof claimReady>>;
    try {
      res = await claimReady(this.deps.scripts, {
        p: s.p,
        epoch: s.epoch,
        hints: ticket.hints.map((akey) => ({ akey, wantLog: !s.has(akey) })),
        batchSize: this.deps.opts.batchSize,
        token,
        paused: this.deps.ownership.paused,
        // the next claim here takes about as many: a longer head costs Redis and this worker for nothing
        headLen: Math.min(this.deps.opts.concurrency, Math.max(2 * this.capacity.minClaim, 2 * n)),
      });
    } catch (err) {
      s.claimFailed();
      this.reset(s, err);
      this.pools.claimed(s.pool, n, 0);
      this.capacity.unreserve(n);
      return;
    }
    if (this.deps.owned.get(s.p) !== s || res === 'fenced') {
      s.claimFailed();
      if (res === 'fenced') this.deps.ownership.lose(s, 'fenced at claim');
      this.pools.claimed(s.pool, n, 0);
      this.capacity.unreserve(n);
      return;
    }
    s.claimed(ticket, res.head, res.readyLen);
    for (const c of res.claimed) {
      s.batchStarted();
      this.capacity.claimed({ s, c, token });
    }
    // after the batches count: a claim's end must not look idle while its batches are still to run
    this.pools.claimed(s.pool, n, res.claimed.length);
    this.capacity.unreserve(n);
    this.runClaimed();
    if (s.draining) void this.deps.ownership.finishDrain(s);
    this.pumpSoon();
  }

  /** Starts claimed batches, oldest first, while turn slots are free. */
  private runClaimed(): void {
    for (let next = this.capacity.nextToRun(); next; next = this.capacity.nextToRun()) {
      this.pools.started(next.s.pool);
      // its partition was lost while it waited: the next owner claims its mail again
      if (this.deps.owned.get(next.s.p) !== next.s) {
        this.capacity.ran();
        this.pools.ran(next.s.pool);
        this.finishItems(next.s, 1);
        continue;
      }
      this.batches.start(next.s, next.c, next.token);
    }
  }

  /** A Redis error before a batch could run: its outcome is unknown, so the partition starts afresh. */
  private dropBatch(s: Partition, err: unknown): void {
    this.ran(s);
    this.finishItems(s, 1);
    this.reset(s, err);
  }

  /** A batch's turns have run (or it never ran): its capacity is free for claims. */
  private ran(s: Partition): void {
    this.capacity.ran();
    this.pools.ran(s.pool);
    this.runClaimed();
    this.pumpSoon();
  }

  private queueCommit(s: Partition, item: CommitItem): void {
    this.ran(s);
    if (!s.queueCommit(item)) return;
    // batches of a partition that finish in the same turn of the event loop share one commit, and
    // the commits of all partitions leave from one task, so a corked socket sends them in one write
    this.toFlush.push(s);
    if (this.toFlush.length > 1) return;
    setImmediate(() => {
      for (const p of this.toFlush.splice(0)) void flushCommits(this.flushDeps, p);
    });
  }

  private finishItems(s: Partition, n: number): void {
    s.batchesEnded(n);
    this.capacity.ended(n);
    if (s.draining) void this.deps.ownership.finishDrain(s);
    this.pumpSoon();
  }
}
