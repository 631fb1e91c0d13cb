/**
 * Prometheus metrics for one worker, built with prom-client. Every metric is created here, in
 * `workerMetrics`; docs/metrics.md says what each one answers.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { Worker } from '../runtime/worker.ts';
import type { TurnOutcome, WorkerObserver } from '../runtime/worker-types.ts';

/** Options of {@link workerMetrics}. */
export interface WorkerMetricsOptions {
  /** Where the metrics are registered (default: a new `Registry`). */
  registry?: Registry;
  /** Prefix of every metric name, the process metrics' too (default `'troupe_'`). */
  prefix?: string;
  /**
   * Also register prom-client's process metrics (CPU, memory, event-loop lag, GC) on the registry
   * (default true). Turn it off when the registry already has them: registering twice throws.
   */
  defaultMetrics?: boolean;
}

/** What of a worker the scrape-time gauges read; a `Worker` has it all. */
export type TrackedWorker = Pick<Worker, 'stats' | 'queueDepths' | 'poolOf'>;

/** The metrics of one worker: an observer to pass to `troupe.work()` and the registry they live on. */
export interface WorkerMetrics {
  /** Pass as `troupe.work({ observer })`: counts turns, rejections, activations, merges, lease moves. */
  readonly observer: WorkerObserver;
  /** The registry holding the metrics: serve it with {@link serveMetrics} or your own HTTP server. */
  readonly registry: Registry;
  /**
   * Reads `worker` on every scrape for the gauges (queue depth, partitions held, turns in flight,
   * active actors, busy time). One worker per `WorkerMetrics`: a second call replaces the first.
   */
  track(worker: TrackedWorker): void;
}

/** Turn wait: 1 ms to 60 s. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Activation (loading a context log) and merge durations: 0.5 ms to 10 s. */
const LOAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The label children of one (type, method), created once and reused on the hot path. */
interface MethodChildren {
  ok: Counter.Internal;
  retry: Counter.Internal;
  failed: Counter.Internal;
}

/** The label children of one type. */
interface TypeChildren {
  /** A type's pool never changes while a worker runs it. */
  pool: string;
  duration: Summary.Internal<string>;
  wait: Histogram.Internal<string>;
  methods: Map<string, MethodChildren>;
}

/**
 * Creates the Prometheus metrics of one worker. Pass `observer` to `troupe.work()`, call `track`
 * with the worker, and serve `registry` (with {@link serveMetrics}, or from your own server).
 *
 * Labels are kept few: `pool`, `type`, `method`, `outcome`, `reason`, `event`, `partition` — never an actor
 * id. The hot-path hooks (`turnStarted`, `turnEnded`) reuse label children cached per type and
 * method, so they allocate nothing after a method's first turn.
 *
 * @example
 * ```ts
 * import { connect, serveMetrics, workerMetrics } from 'troupe';
 *
 * const troupe = await connect({ redis: process.env.REDIS_URL, namespace: 'shop', actors: [Counter] });
 * const metrics = workerMetrics();
 * const worker = await troupe.work({ observer: metrics.observer });
 * metrics.track(worker);
 * const server = await serveMetrics(metrics.registry, { port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * // on shutdown:
 * await server.close();
 * await troupe.close();
 * ```
 */
export function workerMetrics(options: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? 'troupe_';
  const registers = [registry];
  let tracked: TrackedWorker | undefined;

  const turns = new Counter({
    name: `${prefix}turns_total`,
    help: "Turns (message handler runs) by actor type, method and outcome: ok, retry (will be tried again), failed (dead-lettered); and the type's pool",
    labelNames: ['type', 'method', 'outcome', 'pool'],
    registers,
  });
  const turnDuration = new Summary({
    name: `${prefix}turn_duration_seconds`,
    help: 'How long message handlers run, by actor type (percentiles over the last 10 minutes)',
    labelNames: ['type'],
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers,
  });
  const turnWait = new Histogram({
    name: `${prefix}turn_wait_seconds`,
    help: 'Time from a message being sent to its turn starting, by actor type and its pool',
    labelNames: ['type', 'pool'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const rejected = new Counter({
    name: `${prefix}messages_rejected_total`,
    help: 'Messages dead-lettered without running (bad input), by actor type and reason',
    labelNames: ['type', 'reason'],
    registers,
  });
  const activations = new Counter({
    name: `${prefix}activations_total`,
    help: 'Actors loaded from their context log, by actor type',
    labelNames: ['type'],
    registers,
  });
  const activationDuration = new Histogram({
    name: `${prefix}activation_duration_seconds`,
    help: 'Time to load an actor from its context log (base and segments)',
    buckets: LOAD_BUCKETS,
    registers,
  });
  const merges = new Counter({
    name: `${prefix}merges_total`,
    help: 'Merges: segments folded into a new base',
    registers,
  });
  const mergedSegments = new Counter({
    name: `${prefix}merged_segments_total`,
    help: 'Segments folded into bases by merges',
    registers,
  });
  const mergeDuration = new Histogram({
    name: `${prefix}merge_duration_seconds`,
    help: 'How long a merge takes',
    buckets: LOAD_BUCKETS,
    registers,
  });
  const leaseMoves = new Counter({
    name: `${prefix}lease_moves_total`,
    help: 'Partition leases this worker acquired, released (handed back) or lost',
    labelNames: ['event'],
    registers,
  });

  // read on scrape
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'Actors with mail waiting for a turn, per partition this worker holds (and its pool)',
    labelNames: ['partition', 'pool'],
    registers,
    async collect() {
      this.reset();
      if (!tracked) return;
      try {
        for (const [p, n] of await tracked.queueDepths()) this.labels(String(p), tracked.poolOf(p)).set(n);
      } catch {
        // Redis is unreachable or the worker closed: no depths rather than a failed scrape
      }
    },
  });
  new Gauge({
    name: `${prefix}partitions_held`,
    help: 'Partitions this worker holds a lease on',
    registers,
    collect() {
      this.set(tracked ? tracked.stats().partitions.length : 0);
    },
  });
  new Gauge({
    name: `${prefix}turns_in_flight`,
    help: 'Actor batches of turns running now (at most the worker concurrency)',
    registers,
    collect() {
      this.set(tracked ? tracked.stats().running : 0);
    },
  });
  new Gauge({
    name: `${prefix}active_actors`,
    help: 'Actors held in memory by this worker',
    registers,
    collect() {
      this.set(tracked ? tracked.stats().activeActors : 0);
    },
  });
  new Counter({
    name: `${prefix}busy_seconds_total`,
    help: 'Seconds spent running batches of turns, summed over batches (rate() of it: busy batches on average)',
    registers,
    collect() {
      // the worker keeps the running total; a counter is set by resetting and adding
      this.reset();
      if (tracked) this.inc(tracked.stats().busyMs / 1000);
    },
  });

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  // label children, created on first use
  const types = new Map<string, TypeChildren>();
  const ofType = (type: string, pool: string): TypeChildren => {
    let t = types.get(type);
    if (!t) {
      t = {
        pool,
        duration: turnDuration.labels(type),
        wait: turnWait.labels(type, pool),
        methods: new Map(),
      };
      types.set(type, t);
    }
    return t;
  };
  const ofMethod = (t: TypeChildren, type: string, method: string): MethodChildren => {
    let m = t.methods.get(method);
    if (!m) {
      m = {
        ok: turns.labels(type, method, 'ok', t.pool),
        retry: turns.labels(type, method, 'retry', t.pool),
        failed: turns.labels(type, method, 'failed', t.pool),
      };
      t.methods.set(method, m);
    }
    return m;
  };

  const observer: WorkerObserver = {
    turnStarted(type: string, _method: string, waitMs: number | undefined, pool: string): void {
      if (waitMs === undefined) return;
      // clocks of sender and worker differ a little: a message never waits less than nothing
      ofType(type, pool).wait.observe(waitMs > 0 ? waitMs / 1000 : 0);
    },
    turnEnded(type: string, method: string, durationMs: number, outcome: TurnOutcome, pool: string): void {
      const t = ofType(type, pool);
      t.duration.observe(durationMs / 1000);
      ofMethod(t, type, method)[outcome].inc();
    },
    rejected(type: string, reason: string): void {
      rejected.labels(type, reason).inc();
    },
    activated(type: string, durationMs: number): void {
      activations.labels(type).inc();
      activationDuration.observe(durationMs / 1000);
    },
    merged(segments: number, durationMs: number): void {
      merges.inc();
      mergedSegments.inc(segments);
      mergeDuration.observe(durationMs / 1000);
    },
    leaseMoved(event: 'acquired' | 'released' | 'lost'): void {
      leaseMoves.labels(event).inc();
    },
  };

  return {
    observer,
    registry,
    track(worker: TrackedWorker): void {
      tracked = worker;
    },
  };
}
