/**
 * The two scripts a worker runs for every batch of turns on a partition it owns: claim.lua takes
 * ready actors and their mail, commit.lua applies their turns. Here: their calls and replies.
 */
import type { StoredLog } from '../protocol/log.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptCall, ScriptedRedis } from '../redis/scripts.ts';
import { encodeCommit } from './commit-encoding.ts';
import type { CommitItem } from './commit-item.ts';

export interface PartitionScriptDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  /** Where actors live now (an actor's partition, and its log bucket, depend on its pool). */
  placement: () => Placement;
  workerId: string;
  /** On a Redis Cluster: sends to other partitions and replies go through the outbox. */
  outbox: boolean;
}

/** An actor the worker expects at the head of the ready queue, and whether it needs its log. */
export interface ClaimHint {
  akey: string;
  /** Not in the worker's memory: the claim returns its context log too. */
  wantLog: boolean;
}

/** One actor a claim took: its key, a batch of its mail, its attempts record ('' for none). */
export interface Claimed {
  akey: string;
  mail: Buffer[];
  attempts: string;
  /** Its context log as Redis holds it, when the hint asked for it. */
  log: StoredLog | undefined;
}

export interface ClaimResult {
  claimed: Claimed[];
  /** The ready queue's head after the claim, up to the length asked for. */
  head: string[];
  /** The ready queue's length after the claim. */
  readyLen: number;
}

export interface ClaimRequest {
  p: number;
  epoch: number;
  hints: readonly ClaimHint[];
  batchSize: number;
  token: string;
  paused: readonly string[];
  headLen: number;
}

/** claim.lua's KEYS and ARGV (its header names the same layout; a test holds them together). */
export function encodeClaim(keys: Keys, partitions: number, workerId: string, r: ClaimRequest): ScriptCall {
  const { p } = r;
  const k = [
    keys.owner(p),
    keys.epoch(p),
    keys.ready(p),
    keys.running(p),
    keys.wake(p),
    keys.attempts(p),
    keys.heldTypes(p),
  ];
  const args: (string | number)[] = [workerId, r.epoch, r.batchSize, r.token, r.headLen, r.paused.length];
  for (const type of r.paused) {
    k.push(keys.held(p, type));
    args.push(type);
  }
  const mailboxPrefix = keys.mailboxPrefix(p);
  const logPrefix = keys.logPrefix(p);
  for (const h of r.hints) {
    k.push(mailboxPrefix + h.akey, logPrefix + h.akey, keys.logBucketOf(p, h.akey, partitions));
    args.push(h.akey, h.wantLog ? '1' : '0');
  }
  return { keys: k, args };
}

/**
 * Claims the actors at the head of partition p's ready queue that match `hints` (the longest
 * matching prefix), holding those of paused types. Returns 'fenced' when the lease is not held at
 * the epoch.
 */
export async function claimReady(d: PartitionScriptDeps, r: ClaimRequest): Promise<'fenced' | ClaimResult> {
  const call = encodeClaim(d.keys, d.placement().countAt(r.p), d.workerId, r);
  const res = await d.scripted.runBuffer('claim', call.keys, call.args);
  if (res === -1) return 'fenced';
  const flat = res as (Buffer | Buffer[] | number)[];
  const end = flat.length - 2;
  const claimed: Claimed[] = [];
  for (let i = 0; i < end; i += 4) {
    const log = flat[i + 3];
    claimed.push({
      akey: (flat[i] as Buffer).toString(),
      mail: flat[i + 1] as Buffer[],
      attempts: (flat[i + 2] as Buffer).toString(),
      log: Array.isArray(log) ? claimedLog(log as [Buffer | 0, ...Buffer[]]) : undefined,
    });
  }
  const head = (flat[end] as Buffer[]).map((b) => b.toString());
  return { claimed, head, readyLen: flat[end + 1] as number };
}

/** A log as the claim returns it: the stowed entries (0 for none), then the log list's. */
function claimedLog([stowed, ...list]: [Buffer | 0, ...Buffer[]]): StoredLog {
  return { stowed: stowed === 0 ? undefined : stowed, list };
}

export interface CommitResult {
  readyLen: number;
  /** Entries in the partition's outbox after the commit (only a cluster's commits write there). */
  outboxLen: number;
  /** Actors whose claim was no longer current: nothing of theirs was written. */
  stale: string[];
  /** Actors put back on the ready queue (mail remains), in the order they were pushed. */
  requeued: string[];
}

/**
 * Commits the items of partition p in one script. Returns 'fenced' when the lease is not held at
 * the epoch.
 */
export async function commitItems(
  d: PartitionScriptDeps,
  p: number,
  epoch: number,
  items: readonly CommitItem[],
  replyTtlMs: number,
): Promise<'fenced' | CommitResult> {
  const call = encodeCommit(
    d.keys,
    d.placement().countAt(p),
    p,
    d.workerId,
    epoch,
    replyTtlMs,
    items,
    d.outbox,
  );
  const res = await d.scripted.run('commit', call.keys, call.args);
  if (res === -1) return 'fenced';
  const [readyLen, stale, requeued, outboxLen] = res as [number, string[], string[], number];
  return { readyLen, stale, requeued, outboxLen };
}
