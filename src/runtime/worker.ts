import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import type { ActorRegistry } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { activate, type ActiveActor } from './active-actor.ts';
import { ActorUpkeep } from './actor-upkeep.ts';
import { Leases } from './leases.ts';
import { bindLogger, type Logger } from './logger.ts';
import { registryEntry } from './registry-entry.ts';
import { deadBatch, type CommitItem } from './commit-item.ts';
import { claimReady, commitItems, type PartitionScriptDeps } from './partition-scripts.ts';
import { obey, type ControlTarget } from './worker-control.ts';
import { checkNameFree } from './worker-name.ts';
import { resolveWorkOptions, type ResolvedWorkOptions } from './worker-options.ts';
import { runBatch, type TurnEnv } from './turn.ts';
import { Ownership, type OwnershipHooks } from './ownership.ts';
import type { PartitionState } from './partition-state.ts';
import { TimerFiring } from './timers.ts';
import { Waker } from './waker.ts';
import type { WorkerEvents, WorkerStats, WorkOptions } from './worker-types.ts';

export type {
  CommittedTurn,
  TurnOutcome,
  WorkerEvents,
  WorkerObserver,
  WorkerStats,
  WorkOptions,
} from './worker-types.ts';
export { defaultWorkerName } from './worker-name.ts';

export interface WorkerDeps {
  commands: Redis;
  blocking: Redis;
  /** In subscriber mode: wake messages. */
  subscriber: Redis;
  scripted: ScriptedRedis;
  keys: Keys;
  partitions: number;
  registry: ActorRegistry;
  clock: Clock;
  logger: Logger;
}

/**
 * Leases partitions and runs turns for the actors pinned to them. Created by `troupe.work()`.
 *
 * @example
 * ```ts
 * const worker = await troupe.work({ concurrency: 64, leaseMs: 10_000 });
 * worker.on('lost', (p, why) => console.warn(`partition ${p} lost: ${why}`));
 * await worker.stop();
 * ```
 */
export class Worker extends EventEmitter<WorkerEvents> {
  /** This worker's name in the registry. */
  readonly id: string;
  private readonly opts: ResolvedWorkOptions;
  private readonly observer: WorkOptions['observer'];
  /** Every line carries this worker's name. */
  private readonly log: Logger;
  private startedAt = 0;
  private readonly turnEnv: TurnEnv;
  private readonly scriptDeps: PartitionScriptDeps;
  private readonly owned = new Map<number, PartitionState>();
  private readonly ownership: Ownership;
  private readonly waker: Waker;
  private inflight = 0;
  /** Round robin: the next pump starts at the first waiting partition at or after this one. */
  private pumpFrom = 0;
  private reserved = 0;
  private stopping = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters = {
    turnsSucceeded: 0,
    turnsFailed: 0,
    busyMs: 0,
    commits: 0,
    fencedCommits: 0,
    staleCommits: 0,
    activations: 0,
    merges: 0,
    segmentsMerged: 0,
    retries: 0,
  };
  private readonly timers: TimerFiring;
  private readonly upkeep: ActorUpkeep;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkOptions = {},
  ) {
    super();
    this.opts = resolveWorkOptions(options);
    this.id = this.opts.name;
    this.observer = this.opts.observer;
    this.log = bindLogger(deps.logger, { worker: this.id });
    this.scriptDeps = { scripted: deps.scripted, keys: deps.keys, workerId: this.id };
    this.turnEnv = {
      partitions: deps.partitions,
      maxMessageBytes: this.opts.maxMessageBytes,
      now: () => deps.clock.now(),
      observer: this.observer,
      onHandlerError: (akey, env, err) => {
        this.log.warn({ err, actor: akey, method: env.method }, 'handler failed');
        this.emit('turn-failed', akey, env.method, err);
      },
    };
    this.ownership = new Ownership(
      this.owned,
      new Leases(deps.scripted, deps.keys, this.id, this.opts.leaseMs),
      {
        workerId: this.id,
        partitions: deps.partitions,
        leaseMs: this.opts.leaseMs,
        clock: deps.clock,
        logger: this.log,
      },
      this.ownershipHooks(),
    );
    this.waker = new Waker(
      deps.blocking,
      deps.commands,
      deps.subscriber,
      deps.keys,
      this.id,
      Math.max(1, Math.round(this.opts.leaseMs / 1000)),
      {
        partitions: () => [...this.owned.values()].filter((s) => !s.draining).map((s) => s.p),
        wake: (p) => this.onWake(p),
        timers: (p) => this.timers.note(p, 0),
        control: (message) => void obey(this.controlTarget(), message),
      },
      this.log,
    );
    this.upkeep = new ActorUpkeep({
      commands: deps.commands,
      scripted: deps.scripted,
      keys: deps.keys,
      registry: deps.registry,
      clock: deps.clock,
      logger: this.log,
      owned: this.owned,
      idleMs: this.opts.idleMs,
      mergeConcurrency: this.opts.mergeConcurrency,
      merged: (folded, ms) => {
        this.counters.merges++;
        this.counters.segmentsMerged += folded;
        this.observer?.merged?.(folded, ms);
      },
    });
    this.timers = new TimerFiring({
      scripted: deps.scripted,
      keys: deps.keys,
      clock: deps.clock,
      logger: this.log,
      workerId: this.id,
      owned: () => this.owned.values(),
      partition: (p) => this.owned.get(p),
      fired: (s) => {
        s.hasWork = true;
        this.pump();
      },
      fenced: (s) => this.lose(s, 'fenced at fire'),
    });
  }

  /** Registers the worker, takes its share of partitions and starts serving them. */
  async start(): Promise<void> {
    const { commands, keys } = this.deps;
    await checkNameFree(commands, keys, this.id, this.opts.leaseMs, this.log);
    // commands sent to a predecessor of this name are not for this worker
    await commands.del(keys.control(this.id));
    this.startedAt = Date.now();
    await this.waker.start();
    await this.ownership.start();
    this.upkeep.start();
  }

  /** Length of the ready queue (actors with mail waiting for a turn) of each partition held. */
  async queueDepths(): Promise<Map<number, number>> {
    const parts = [...this.owned.keys()];
    const pipe = this.deps.commands.pipeline();
    for (const p of parts) pipe.llen(this.deps.keys.ready(p));
    const res = (await pipe.exec()) ?? [];
    return new Map(parts.map((p, i) => [p, Number(res[i]?.[1] ?? 0)]));
  }

  /** Actor types paused by an operator, as this worker applies them now. */
  get pausedTypes(): readonly string[] {
    return this.ownership.paused;
  }

  /** Counters and the partitions held right now. */
  stats(): WorkerStats {
    let activeActors = 0;
    for (const s of this.owned.values()) activeActors += s.actors.size;
    return {
      ...this.counters,
      timersFired: this.timers.firedTotal,
      partitions: [...this.owned.keys()].sort((a, b) => a - b),
      activeActors,
      inflight: this.inflight,
    };
  }

  /**
   * Graceful stop: claims nothing more, lets turns in flight commit, hands every partition back at
   * once (no waiting for lease expiry) and leaves the registry.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.whenStopped();
    this.stopping = true;
    this.upkeep.stopSweeping();
    this.timers.stop();
    await this.ownership.stop(async () => {
      await this.whenIdle();
      await this.upkeep.drain();
    });
    await this.waker.stop();
    await this.deps.commands.del(this.deps.keys.control(this.id)).catch(() => 0);
    this.stopped = true;
    this.log.info({ stats: this.stats() }, 'worker stopped');
    for (const w of this.stopWaiters.splice(0)) w();
    this.emit('stopped');
  }

  private stopWaiters: (() => void)[] = [];
  private whenStopped(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => this.stopWaiters.push(r));
  }

  private whenIdle(): Promise<void> {
    if (this.inflight === 0 && this.reserved === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private checkIdle(): void {
    if (this.inflight === 0 && this.reserved === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  // ---- partitions gained and lost ------------------------------------------------------------

  private lose(s: PartitionState, reason: string): void {
    this.ownership.lose(s, reason);
  }

  private finishDrain(s: PartitionState): Promise<void> {
    return this.ownership.finishDrain(s);
  }

  private ownershipHooks(): OwnershipHooks {
    return {
      acquired: (s) => {
        this.observer?.leaseMoved?.('acquired', s.p);
        this.emit('acquired', s.p, s.epoch);
      },
      gained: async () => {
        await this.waker.interrupt();
        this.pump();
        this.timers.arm();
      },
      // stop waiting on its wake list, so the next owner gets the tokens
      draining: () => void this.waker.interrupt().catch(() => undefined),
      released: (p) => {
        this.observer?.leaseMoved?.('released', p);
        this.emit('released', p);
      },
      lost: (s, reason) => {
        s.actors.clear();
        void this.waker.interrupt().catch(() => undefined);
        this.log.warn({ partition: s.p, reason }, 'partition lost');
        this.observer?.leaseMoved?.('lost', s.p);
        this.emit('lost', s.p, reason);
      },
      paused: (types) => {
        this.log.info({ paused: types }, 'paused actor types changed');
        // renew now: it puts actors of resumed types back on the ready queue; the heartbeat
        // after it tells `troupe pause` this worker applies the new set
        this.ownership.tick();
      },
      entry: () =>
        registryEntry({
          name: this.id,
          startedAt: this.startedAt,
          types: this.deps.registry.types(),
          concurrency: this.opts.concurrency,
          leaseMs: this.opts.leaseMs,
          stats: this.stats(),
          paused: this.ownership.paused,
          mergesPending: this.upkeep.pendingMerges,
        }),
      renewed: (s, r) => {
        if (r.mergesDue && !s.draining) void this.upkeep.mergeFlagged(s.p);
        if (r.nextTimer >= 0 && (s.nextTimer < 0 || r.nextTimer < s.nextTimer))
          this.timers.note(s.p, r.nextTimer);
        if (r.ready && !s.hasWork && !s.claiming) {
          // a wake token can be taken by a worker that just handed the partition over
          s.hasWork = true;
          this.pump();
        }
      },
    };
  }

  /** After a Redis error the outcome of a claim or commit is unknown: start the partition afresh. */
  private reset(s: PartitionState, err: unknown): void {
    this.log.warn({ err, partition: s.p }, 'redis error; partition will be re-acquired');
    this.lose(s, 'redis error');
    this.ownership.tick();
  }

  private controlTarget(): ControlTarget {
    const { commands, keys } = this.deps;
    const { log, ownership, owned } = this;
    return { commands, keys, log, ownership, owned, stop: () => this.stop() };
  }

  // ---- claiming and running turns -----------------------------------------------------------

  private onWake(p: number): void {
    const s = this.owned.get(p);
    // a partition being handed over: its new owner claims what is ready when it subscribes
    if (!s || s.draining) return;
    s.hasWork = true;
    s.wakeGen++;
    this.pump();
  }

  private pump(): void {
    if (this.stopping) return;
    let capacity = this.opts.concurrency - this.inflight - this.reserved;
    if (capacity <= 0) return;
    const waiting = [...this.owned.values()].filter((s) => !s.draining && s.hasWork && !s.claiming);
    if (waiting.length === 0) return;
    // Every partition with work claims in this tick (the calls share one pipeline), each taking a
    // share of the capacity. Claiming one partition at a time made later partitions wait for
    // earlier ones that kept getting mail. Round robin decides who goes first when capacity is short.
    const share = Math.max(4, Math.ceil(capacity / waiting.length));
    const start = Math.max(
      0,
      waiting.findIndex((s) => s.p >= this.pumpFrom),
    );
    for (let i = 0; i < waiting.length && capacity > 0; i++) {
      const s = waiting[(start + i) % waiting.length]!;
      const n = Math.min(capacity, share);
      void this.claim(s, n);
      capacity -= n;
      this.pumpFrom = s.p + 1;
    }
  }

  private async claim(s: PartitionState, n: number): Promise<void> {
    const token = nanoid(10);
    const gen = s.wakeGen;
    s.claiming = true;
    this.reserved += n;
    let res: Awaited<ReturnType<typeof claimReady>>;
    try {
      res = await claimReady(this.scriptDeps, s, n, this.opts.batchSize, token, this.ownership.paused);
    } catch (err) {
      this.reserved -= n;
      s.claiming = false;
      this.reset(s, err);
      this.checkIdle();
      return;
    }
    this.reserved -= n;
    s.claiming = false;
    if (this.owned.get(s.p) !== s) {
      this.checkIdle();
      return;
    }
    if (res === 'fenced') {
      this.lose(s, 'fenced at claim');
      this.checkIdle();
      return;
    }
    if (res.readyLeft === 0 && s.wakeGen === gen) s.hasWork = false;
    for (const c of res.claimed) this.startActor(s, c.akey, c.mail, c.attempts, token);
    this.checkIdle();
    if (s.draining) void this.finishDrain(s);
    this.pump();
  }

  private startActor(s: PartitionState, akey: string, mail: Buffer[], attempts: string, token: string): void {
    s.inflight++;
    this.inflight++;
    const cached = s.actors.get(akey);
    if (cached) {
      this.runOn(s, cached, token, mail, attempts);
      return;
    }
    const slash = akey.indexOf('/');
    const type = akey.slice(0, slash);
    const entry = this.deps.registry.get(type);
    if (!entry) {
      const known = this.deps.registry.types().join(', ');
      const why = `no actor class of type "${type}" is registered in this worker (known: ${known})`;
      this.queueCommit(s, deadBatch(akey, token, mail, 'unknown-type', why, attempts));
      return;
    }
    const started = performance.now();
    this.deps.commands
      .lrangeBuffer(this.deps.keys.log(s.p, akey), 0, -1)
      .then((log) => {
        let actor: ActiveActor;
        try {
          actor = activate(entry, akey.slice(slash + 1), log, this.deps.clock.now());
        } catch (err) {
          this.queueCommit(s, deadBatch(akey, token, mail, 'context-unreadable', String(err), attempts));
          return;
        }
        this.counters.activations++;
        this.observer?.activated?.(type, performance.now() - started);
        if (this.owned.get(s.p) === s) s.actors.set(akey, actor);
        this.runOn(s, actor, token, mail, attempts);
      })
      .catch((err: unknown) => {
        this.finishItems(s, 1);
        this.reset(s, err);
      });
  }

  private runOn(
    s: PartitionState,
    actor: ActiveActor,
    token: string,
    mail: Buffer[],
    attempts: string,
  ): void {
    actor.lastUsed = this.deps.clock.now();
    actor.busy = true;
    const started = performance.now();
    const result = runBatch(actor, token, mail, attempts, this.turnEnv);
    if (result instanceof Promise) {
      result.then(
        (item) => {
          this.counters.busyMs += performance.now() - started;
          this.queueCommit(s, item);
        },
        (err: unknown) => {
          // runBatch catches handler errors itself; reaching here is a bug in Troupe
          this.log.error({ err, actor: actor.akey }, 'internal error running a batch');
          s.actors.delete(actor.akey);
          this.finishItems(s, 1);
        },
      );
    } else {
      this.counters.busyMs += performance.now() - started;
      this.queueCommit(s, result);
    }
  }

  private queueCommit(s: PartitionState, item: CommitItem): void {
    s.pending.push(item);
    if (s.flushScheduled) return;
    s.flushScheduled = true;
    // batches that finish in the same turn of the event loop share one commit
    setImmediate(() => void this.flush(s));
  }

  private async flush(s: PartitionState): Promise<void> {
    s.flushScheduled = false;
    const items = s.pending.splice(0);
    if (items.length === 0) return;
    if (this.owned.get(s.p) !== s) {
      this.finishItems(s, items.length);
      return;
    }
    let res: Awaited<ReturnType<typeof commitItems>>;
    try {
      res = await commitItems(this.scriptDeps, s, items, this.opts.replyTtlMs);
    } catch (err) {
      this.finishItems(s, items.length);
      this.reset(s, err);
      return;
    }
    if (res === 'fenced') {
      this.counters.fencedCommits++;
      this.log.warn({ partition: s.p, epoch: s.epoch }, 'commit refused: fenced');
      this.emit('fenced', s.p);
      this.lose(s, 'fenced at commit');
      this.finishItems(s, items.length);
      return;
    }
    const { readyLen, stale } = res;
    this.counters.commits++;
    for (const akey of stale) {
      this.counters.staleCommits++;
      s.actors.delete(akey);
    }
    const staleSet = new Set(stale);
    for (const it of items) {
      if (staleSet.has(it.akey)) continue;
      if (it.retryAt > 0) {
        this.counters.retries++;
        this.timers.note(s.p, it.retryAt);
      }
      for (const [due] of it.timers) this.timers.note(s.p, due);
      this.counters.turnsSucceeded += it.succeeded;
      this.counters.turnsFailed += it.failed;
      const actor = s.actors.get(it.akey);
      if (!actor) continue;
      if (actor.tainted) {
        s.actors.delete(it.akey);
        continue;
      }
      actor.busy = false;
      actor.lastUsed = this.deps.clock.now();
      if (it.segments.length > 0) {
        actor.logSegments += it.segments.length;
        for (const seg of it.segments) actor.logBytes += seg.length;
        this.upkeep.grew(s.p, actor);
      }
    }
    if (this.listenerCount('committed') > 0) {
      const turns = items
        .filter((it) => !staleSet.has(it.akey))
        .map((it) => ({ actor: it.akey, messages: it.handled }));
      this.emit('committed', s.p, turns);
    }
    if (readyLen > 0) s.hasWork = true;
    this.finishItems(s, items.length);
  }

  private finishItems(s: PartitionState, n: number): void {
    s.inflight -= n;
    this.inflight -= n;
    if (s.draining) void this.finishDrain(s);
    this.checkIdle();
    this.pump();
  }
}
