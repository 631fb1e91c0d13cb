/** The public shapes of a worker: its options, counters and events. */

/** Options of `troupe.work()`. */
export interface WorkOptions {
  /** Actor batches in flight at once, across all partitions (default 64). */
  concurrency?: number;
  /** Partition lease in ms; a dead worker's partitions move after it (default 10 000). */
  leaseMs?: number;
  /** Worker name in the registry (default `<host>:<pid>:<random>`). */
  name?: string;
  /** Messages taken from one mailbox per claim and committed together (default 64). */
  batchSize?: number;
  /** An actor unused this long is dropped from memory (default 60 000 ms). */
  idleMs?: number;
  /** How long replies wait for the asking client, in ms (default 60 000). */
  replyTtlMs?: number;
  /** Merges run at once (default 2). */
  mergeConcurrency?: number;
  /** Envelopes larger than this are dead-lettered unread (default 1 MiB). */
  maxMessageBytes?: number;
}

/** Counters a worker keeps about itself. */
export interface WorkerStats {
  turnsSucceeded: number;
  turnsFailed: number;
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
  inflight: number;
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
}

/** One actor's part of a commit, as the `committed` event reports it. */
export interface CommittedTurn {
  /** `<type>/<id>` */
  actor: string;
  /** Messages handled (succeeded, failed for good, or dead-lettered) and removed from the mailbox. */
  messages: number;
}
