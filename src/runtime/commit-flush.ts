import type { EventEmitter } from 'node:events';
import type { Logger } from '../logger.ts';
import type { Keys } from '../redis/keys.ts';
import type { Replicas } from '../redis/replicas.ts';
import { applyCommitted, type CommittedDeps } from './committed.ts';
import type { Ownership } from './ownership.ts';
import { commitItems, type PartitionScriptDeps } from './partition-scripts.ts';
import type { Partition } from './partition.ts';
import type { TurnCounters, WorkerEvents } from './worker-types.ts';

/** What committing a partition's batches needs, and whom it tells how it went. */
export interface CommitFlushDeps {
  scripts: PartitionScriptDeps;
  keys: Keys;
  owned: Map<number, Partition>;
  replyTtlMs: number;
  /** Replicas a commit waits for before it counts, if any. */
  replicas: Replicas | undefined;
  counters: TurnCounters;
  log: Logger;
  /** The worker, whose `fenced` event is emitted from here. */
  events: EventEmitter<WorkerEvents>;
  ownership: Ownership;
  /** Relays partition p's outbox (a Redis Cluster's commits leave cross-slot sends there). */
  relay: (p: number) => void;
  committed: CommittedDeps;
  /** n batches of s are done, committed or given up. */
  finish: (s: Partition, n: number) => void;
  /** The outcome is unknown after a Redis error: s is taken afresh. */
  reset: (s: Partition, err: unknown) => void;
}

/**
 * Commits the batches waiting on partition s in one script call, then, in order: waits for the
 * replicas `waitReplicas` asks for, drops the partition when the commit was fenced, applies the
 * outcome (committed.ts) and relays what the commit left in the outbox.
 */
export async function flushCommits(d: CommitFlushDeps, s: Partition): Promise<void> {
  const items = s.takePending();
  if (items.length === 0) return;
  if (d.owned.get(s.p) !== s) {
    d.finish(s, items.length);
    return;
  }
  let res: Awaited<ReturnType<typeof commitItems>>;
  try {
    res = await commitItems(d.scripts, s.p, s.epoch, items, d.replyTtlMs);
  } catch (err) {
    d.finish(s, items.length);
    d.reset(s, err);
    return;
  }
  if (res !== 'fenced' && d.replicas && !(await replicated(d, s, d.replicas))) {
    d.finish(s, items.length);
    return;
  }
  if (res === 'fenced') {
    d.counters.fencedCommits++;
    d.log.warn({ partition: s.p, epoch: s.epoch }, 'commit refused: fenced');
    d.events.emit('fenced', s.p);
    d.ownership.lose(s, 'fenced at commit');
    d.finish(s, items.length);
    return;
  }
  applyCommitted(d.committed, s, items, res);
  if (res.outboxLen > 0) {
    s.outboxGrew(res.outboxLen);
    d.relay(s.p);
  }
  d.finish(s, items.length);
}

/**
 * Whether the replicas `waitReplicas` asks for acknowledged the partition's commit. When fewer did
 * (or the WAIT failed), the commit's outcome is unknown, as after a lost reply: the partition is
 * taken afresh, and what it did is read back from Redis.
 */
async function replicated(d: CommitFlushDeps, s: Partition, replicas: Replicas): Promise<boolean> {
  let acked: number;
  try {
    acked = await replicas.wait(d.keys.owner(s.p));
  } catch (err) {
    d.reset(s, err);
    return false;
  }
  if (acked >= replicas.count) return true;
  d.reset(
    s,
    new Error(
      `only ${acked} of ${replicas.count} replica(s) acknowledged the commit within ${replicas.timeoutMs} ms`,
    ),
  );
  return false;
}
