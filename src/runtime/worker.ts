import { EventEmitter } from 'node:events';
import { isCluster, type RedisClient } from '../redis/client.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import { bindLogger, type Logger } from '../logger.ts';
import { registryEntry } from '../protocol/registry-entry.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import { readPlacement } from '../redis/placement-store.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { ActorUpkeep } from './actor-upkeep.ts';
import { DeadLetterLog } from './dead-letter-log.ts';
import { Leases } from './leases.ts';
import { obey, type ControlTarget } from './worker-control.ts';
import { checkNameFree } from './worker-name.ts';
import { resolveWorkOptions, type ResolvedWorkOptions } from './worker-options.ts';
import { PoolRates } from './pool-rates.ts';
import { TurnTimes } from './turn-times.ts';
import { FlowControl } from './flow-control.ts';
import { Scheduler } from './scheduler.ts';
import { placeWorkerTypes } from './worker-placement.ts';
import type { TurnEnv } from './turn.ts';
import { Ownership } from './ownership.ts';
import { ownershipHooks, type OwnershipParts } from './worker-hooks.ts';
import type { Partition } from './partition.ts';
import { TimerFiring } from './timers.ts';
import { OutboxRelay } from './outbox-relay.ts';
import type { Replicas } from '../redis/replicas.ts';
import { Waker } from './waker.ts';
import type { TurnCounters, WorkerEvents, WorkerStats, WorkOptions } from './worker-types.ts';
import { anySlotPipeline } from '../redis/fan-out.ts';

export type {
  CommittedTurn,
  TurnOutcome,
  WorkerEvents,
  WorkerObserver,
  WorkerStats,
  WorkOptions,
  PoolOptions,
} from './worker-types.ts';
export { defaultWorkerName } from './worker-name.ts';

export interface WorkerDeps {
  commands: RedisClient;
  blocking: RedisClient;
  /** In subscriber mode: wake messages. */
  subscriber: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  /** Where actor types live, as the worker's client last read it. */
  placement: Placement;
  registry: ActorRegistry;
  clock: Clock;
  logger: Logger;
  /** Replicas a commit (and a relay) waits for before it counts (`waitReplicas`), if any. */
  replicas?: Replicas | undefined;
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
  private readonly rates: PoolRates;
  private readonly turnTimes = new TurnTimes();
  private readonly flow: FlowControl;
  private placement: Placement;
  private readonly owned = new Map<number, Partition>();
  private readonly ownership: Ownership;
  private readonly waker: Waker;
  private readonly scheduler: Scheduler;
  private stopping = false;
  private stopped = false;
  private readonly counters: TurnCounters = {
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
  /** On a Redis Cluster: delivers what commits left in their partitions' outboxes. */
  private readonly relay: OutboxRelay;
  private readonly onCluster: boolean;
  /** Logs messages dead-lettered without running, rate-limited. */
  private readonly rejections: DeadLetterLog;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkOptions = {},
  ) {
    super();
    this.opts = resolveWorkOptions(options, deps.registry.pools());
    this.placement = deps.placement;
    const placement = () => this.placement;
    this.id = this.opts.name;
    this.observer = this.opts.observer;
    this.log = bindLogger(deps.logger, { worker: this.id });
    this.rejections = new DeadLetterLog(this.log, deps.clock);
    this.onCluster = isCluster(deps.commands);
    this.relay = new OutboxRelay({
      commands: deps.commands,
      scripted: deps.scripted,
      keys: deps.keys,
      replyTtlMs: this.opts.replyTtlMs,
      replicas: deps.replicas,
      logger: this.log,
      relayed: (p) => {
        this.owned.get(p)?.outboxRelayed();
        this.scheduler.pump();
      },
    });
    const turnEnv: TurnEnv = {
      placement,
      maxMessageBytes: this.opts.maxMessageBytes,
      now: () => deps.clock.now(),
      observer: this.observer,
      turnTimes: this.turnTimes,
      onHandlerError: (akey, env, err) => {
        this.log.warn({ err, actor: akey, method: env.method }, 'handler failed');
        this.emit('turn-failed', akey, env.method, err);
      },
      onRejected: (r) => this.rejections.note(r),
    };
    this.ownership = new Ownership(
      this.owned,
      new Leases(
        deps.scripted,
        deps.keys,
        this.id,
        this.opts.leaseMs,
        deps.clock,
        this.opts.pools.map((p) => p.name),
      ),
      {
        workerId: this.id,
        placement,
        leaseMs: this.opts.leaseMs,
        clock: deps.clock,
        logger: this.log,
      },
      ownershipHooks(() => this.ownershipParts()),
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
        wake: (p, akey) => this.scheduler.onWake(p, akey),
        timers: (p) => this.timers.note(p, 0),
        control: (message) => void obey(this.controlTarget(), message),
      },
      this.log,
    );
    this.upkeep = new ActorUpkeep({
      commands: deps.commands,
      scripted: deps.scripted,
      keys: deps.keys,
      placement,
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
      fired: (s) => this.scheduler.onWake(s.p),
      fenced: (s) => this.ownership.lose(s, 'fenced at fire'),
    });
    this.flow = new FlowControl({
      scripted: deps.scripted,
      keys: deps.keys,
      clock: deps.clock,
      log: this.log,
      workerId: this.id,
      leaseMs: this.opts.leaseMs,
      overrides: this.opts.limits,
      partitionOf: (type, id) => this.placement.partitionOf(type, id),
    });
    this.scheduler = new Scheduler({
      commands: deps.commands,
      keys: deps.keys,
      registry: deps.registry,
      clock: deps.clock,
      log: this.log,
      opts: this.opts,
      scripts: {
        scripted: deps.scripted,
        keys: deps.keys,
        placement,
        workerId: this.id,
        outbox: this.onCluster,
      },
      relay: (p) => this.relay.relay(p),
      replicas: deps.replicas,
      turnEnv,
      owned: this.owned,
      ownership: this.ownership,
      placement,
      refreshPlacement: () => this.refreshPlacement(),
      timers: this.timers,
      upkeep: this.upkeep,
      flow: this.flow,
      counters: this.counters,
      events: this,
    });
    this.rates = new PoolRates(deps.clock, () => this.scheduler.turnsByPool());
  }

  /** Registers the worker, takes its share of partitions and starts serving them. */
  async start(): Promise<void> {
    const { commands, keys } = this.deps;
    await checkNameFree(commands, keys, this.id, this.opts.leaseMs, this.log);
    // commands sent to a predecessor of this name are not for this worker
    await commands.del(keys.control(this.id));
    this.startedAt = this.deps.clock.now();
    this.rates.start(this.startedAt);
    await this.place();
    await this.waker.start();
    await this.ownership.start();
    this.upkeep.start();
  }

  private async place(): Promise<void> {
    const { registry, scripted, keys } = this.deps;
    this.placement = await placeWorkerTypes(scripted, keys, registry, this.opts.pools, this.log);
  }

  private async refreshPlacement(): Promise<void> {
    this.placement = await readPlacement(this.deps.commands, this.deps.keys);
  }

  /** The pool partition p belongs to. */
  poolOf(p: number): string {
    return this.placement.rangeOf(p).name;
  }

  /** The pools this worker serves, in priority order. */
  get pools(): readonly string[] {
    return this.opts.pools.map((p) => p.name);
  }

  /** Length of the ready queue (actors with mail waiting for a turn) of each partition held. */
  async queueDepths(): Promise<Map<number, number>> {
    const parts = [...this.owned.keys()];
    const pipe = anySlotPipeline(this.deps.commands);
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
    for (const s of this.owned.values()) activeActors += s.actorCount;
    return {
      ...this.counters,
      timersFired: this.timers.firedTotal,
      partitions: [...this.owned.keys()].sort((a, b) => a - b),
      activeActors,
      inflight: this.scheduler.inflight,
      running: this.scheduler.runningBatches,
    };
  }

  /**
   * Graceful stop: claims nothing more, lets turns in flight commit, hands every partition back at
   * once (no waiting for lease expiry) and leaves the registry.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.whenStopped();
    this.stopping = true;
    this.scheduler.stopClaiming();
    this.upkeep.stopSweeping();
    this.timers.stop();
    await this.ownership.stop(async () => {
      await this.scheduler.whenIdle();
      this.flow.stop();
      await this.relay.whenIdle();
      await this.upkeep.drain();
    });
    await this.waker.stop();
    await this.deps.commands.del(this.deps.keys.control(this.id)).catch(() => 0);
    this.stopped = true;
    this.rejections.flush();
    this.log.info({ stats: this.stats() }, 'worker stopped');
    for (const w of this.stopWaiters.splice(0)) w();
    this.emit('stopped');
  }

  private stopWaiters: (() => void)[] = [];
  private whenStopped(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => this.stopWaiters.push(r));
  }

  private ownershipParts(): OwnershipParts {
    return {
      relay: this.relay,
      waker: this.waker,
      scheduler: this.scheduler,
      timers: this.timers,
      upkeep: this.upkeep,
      ownership: this.ownership,
      onCluster: this.onCluster,
      observer: this.observer,
      log: this.log,
      events: this,
      placed: (placement) => {
        this.placement = placement;
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
          pools: this.pools,
          poolRates: this.rates.take(),
          turnTimes: this.turnTimes.histograms,
        }),
    };
  }

  private controlTarget(): ControlTarget {
    const { commands, keys } = this.deps;
    const { log, ownership, owned } = this;
    return { commands, keys, log, ownership, owned, stop: () => this.stop() };
  }
}
