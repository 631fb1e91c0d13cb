/**
 * The two scripts a worker runs for every batch of turns on a partition it owns: claim.lua takes
 * ready actors and their mail, commit.lua applies their turns. Here: their keys and arguments.
 */
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { commitArgs, type CommitItem } from './commit-item.ts';
import type { PartitionState } from './partition-state.ts';

const DEAD_LETTERS_KEPT = 100_000;

export interface PartitionScriptDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  workerId: string;
}

/** One actor a claim took: its key, a batch of its mail, and its attempts record ('' for none). */
export interface Claimed {
  akey: string;
  mail: Buffer[];
  attempts: string;
}

/**
 * Claims up to n ready actors of partition s, skipping (holding) those of the paused types.
 * Returns 'fenced' when the lease is not held at s.epoch.
 */
export async function claimReady(
  d: PartitionScriptDeps,
  s: PartitionState,
  n: number,
  batchSize: number,
  token: string,
  paused: readonly string[],
): Promise<'fenced' | { claimed: Claimed[]; readyLeft: number }> {
  const { keys } = d;
  const res = await d.scripted.runBuffer(
    'claim',
    [
      keys.owner(s.p),
      keys.epoch(s.p),
      keys.ready(s.p),
      keys.running(s.p),
      keys.wake(s.p),
      keys.attempts(s.p),
      keys.heldTypes(s.p),
    ],
    [d.workerId, s.epoch, n, batchSize, keys.mailboxPrefix(s.p), token, keys.heldPrefix(s.p), ...paused],
  );
  if (res === -1) return 'fenced';
  const flat = res as (Buffer | Buffer[] | number)[];
  const last = flat.length - 1;
  const claimed: Claimed[] = [];
  for (let i = 0; i < last; i += 3) {
    claimed.push({
      akey: (flat[i] as Buffer).toString(),
      mail: flat[i + 1] as Buffer[],
      attempts: (flat[i + 2] as Buffer).toString(),
    });
  }
  return { claimed, readyLeft: flat[last] as number };
}

/**
 * Commits the items of partition s in one script. Returns 'fenced' when the lease is not held at
 * s.epoch; otherwise the ready queue's length and the actors whose claim was no longer current.
 */
export async function commitItems(
  d: PartitionScriptDeps,
  s: PartitionState,
  items: readonly CommitItem[],
  replyTtlMs: number,
): Promise<'fenced' | { readyLen: number; stale: string[] }> {
  const { keys } = d;
  const res = await d.scripted.run(
    'commit',
    [
      keys.owner(s.p),
      keys.epoch(s.p),
      keys.ready(s.p),
      keys.running(s.p),
      keys.dead(),
      keys.timers(s.p),
      keys.attempts(s.p),
      keys.paused(s.p),
      keys.mergeDue(s.p),
    ],
    [
      d.workerId,
      s.epoch,
      keys.partition(s.p),
      keys.nsPrefix,
      keys.tagOpener,
      replyTtlMs,
      DEAD_LETTERS_KEPT,
      ...commitArgs(items),
    ],
  );
  if (res === -1) return 'fenced';
  const [readyLen, stale] = res as [number, string[]];
  return { readyLen, stale };
}
