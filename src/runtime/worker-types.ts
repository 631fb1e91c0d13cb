/** The public shapes of a worker: its options, counters and events. */
import type { RateLimit } from '../actor/flow-limits.ts';

/** A pool a worker serves, with its own limits (see `WorkOptions.pools`). */
export interface PoolOptions {
  /** The pool's name, as actor classes give it in `static pool`. */
  name: string;
  /** Batches of this pool whose turns run at once in this worker (default: the worker's concurrency). */
  concurrency?: number | undefined;
  /** Partitions of the pool if this worker is the first to place a type in it (default 64). */
  partitions?: number | undefined;
}

/** Options of `troupe.work()`. */
export interface WorkOptions {
  /**
   * The pools this worker serves, earlier ones first: when capacity is short it claims from an
   * earlier pool whenever that pool has mail (strict priority, as rq's queue list: a pool that
   * always has mail starves the ones after it). A running turn is never pre-empted. Default: the
   * pools of the classes this worker loaded, in the order they were given.
   *
   * @example
   * ```ts
   * await troupe.work({ pools: [{ name: 'critical', concurrency: 8 }, 'default'] });
   * ```
   */
  pools?: readonly (string | PoolOptions)[] | undefined;
  /**
   * Actor batches whose turns run at once, across all partitions (default 64). As many more may
   * be claimed ahead, and batches whose turns have run wait for their commit beside them.
   */
  concurrency?: number | undefined;
  /** Partition lease in ms; a dead worker's partitions move after it (default 10 000). */
  leaseMs?: number | undefined;
  /**
   * Worker name in the registry (default `<host>:<pid>`, and `<host>:<pid>:<n>` for a process's
   * nth worker). Starting fails while a live worker has the name.
   */
  name?: string | undefined;
  /** Messages taken from one mailbox per claim and committed together (default 64). */
  batchSize?: number | undefined;
  /** An actor unused this long is dropped from memory (default 60 000 ms). */
  idleMs?: number | undefined;
  /** How long replies wait for the asking client, in ms (default 60 000). */
  replyTtlMs?: number | undefined;
  /** Merges run at once (default 2). */
  mergeConcurrency?: number | undefined;
  /** Envelopes larger than this are dead-lettered unread (default 1 MiB). */
  maxMessageBytes?: number | undefined;
  /** Told of every turn, activation, merge and lease move: what metrics are built from. */
  observer?: WorkerObserver | undefined;
  /**
   * Flow control per actor type, over the class's `static concurrency` and `static rateLimit`
   * (docs/flow-control.md). The limits hold across every worker: give every worker of a type the
   * same ones.
   *
   * @example
   * ```ts
   * await troupe.work({ limits: { report: { concurrency: 1 }, mailer: { rateLimit: { turns: 10, perMs: 1000 } } } });
   * ```
   */
  limits?: Record<string, { concurrency?: number; rateLimit?: RateLimit }> | undefined;
}

/** How a message's turn ended: done, to be tried again after a backoff, or dead-lettered. */
export type TurnOutcome = 'ok' | 'retry' | 'failed';

/**
 * Hooks a worker calls as it works, for metrics (see `workerMetrics`). Called inline on the hot
 * path: keep them cheap, and never throw.
 */
export interface WorkerObserver {
  /**
   * A message's handler is about to run, `waitMs` after the message was sent (undefined when the
   * sender stamped no `sentAt`, as a hand-written envelope may not). `pool` is the type's pool.
   */
  turnStarted?(type: string, method: string, waitMs: number | undefined, pool: string): void;
  /** The handler settled after `durationMs`. */
  turnEnded?(type: string, method: string, durationMs: number, outcome: TurnOutcome, pool: string): void;
  /** A message was dead-lettered without running (bad input); `reason` as in the dead letters. */
  rejected?(type: string, reason: string): void;
  /** An actor was loaded from its context log. */
  activated?(type: string, durationMs: number): void;
  /** A merge folded `segments` segments into a new base. */
  merged?(segments: number, durationMs: number): void;
  /** This worker took a partition, handed it back, or lost it. */
  leaseMoved?(event: 'acquired' | 'released' | 'lost', partition: number): void;
}

/** Counters a worker keeps about itself. */
export interface WorkerStats {
  turnsSucceeded: number;
  turnsFailed: number;
  /** Milliseconds spent running batches of turns, summed over batches. */
  busyMs: number;
  commits: number;
  fencedCommits: number;
  staleCommits: number;
  activations: number;
  merges: number;
  segmentsMerged: number;
  retries: number;
  timersFired: number;
  partitions: number[];
  activeActors: number;
  /** Batches claimed and not yet committed: waiting to run, running, or committing. */
  inflight: number;
  /** Batches whose turns run now (at most `concurrency`). */
  running: number;
}

/** Events a worker emits (listen with `worker.on(...)`). */
export interface WorkerEvents {
  acquired: [partition: number, epoch: number];
  released: [partition: number];
  lost: [partition: number, reason: string];
  fenced: [partition: number];
  'turn-failed': [actor: string, method: string, error: unknown];
  /**
   * A commit is durable: per actor, how many messages left its mailbox with it. Only built when
   * someone listens, so it costs nothing otherwise.
   */
  committed: [partition: number, turns: readonly CommittedTurn[]];
  /** The worker stopped: by `stop()`, or by a remote `shutdown` (`troupe shutdown <worker>`). */
  stopped: [];
}

/** One actor's part of a commit, as the `committed` event reports it. */
export interface CommittedTurn {
  /** `<type>/<id>` */
  actor: string;
  /** Messages handled (succeeded, failed for good, or dead-lettered) and removed from the mailbox. */
  messages: number;
}

/** What a worker counts about its turns (a part of WorkerStats). */
export type TurnCounters = Omit<
  WorkerStats,
  'timersFired' | 'partitions' | 'activeActors' | 'inflight' | 'running'
>;
