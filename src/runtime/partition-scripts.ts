/**
 * The two scripts a worker runs for every batch of turns on a partition it owns: claim.lua takes
 * ready actors and their mail, commit.lua applies their turns. Here: their keys and arguments.
 */
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { CommitItem } from './commit-item.ts';
import { decodeCommit, encodeCommit } from './commit-protocol.ts';
import type { PartitionState } from './partition-state.ts';

const DEAD_LETTERS_KEPT = 100_000;

export interface PartitionScriptDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  workerId: string;
}

/** claim.lua's fixed KEYS, in order; the held lists and hinted mailboxes follow them. */
export const CLAIM_KEYS = ['owner', 'epoch', 'ready', 'running', 'wake', 'attempts', 'heldTypes'] as const;

/** The fixed KEYS of partition p, built once per partition: claims are the hot path. */
const fixedKeys = new WeakMap<Keys, Map<number, readonly string[]>>();

function claimKeys(keys: Keys, p: number): readonly string[] {
  let byP = fixedKeys.get(keys);
  if (!byP) fixedKeys.set(keys, (byP = new Map<number, readonly string[]>()));
  let list = byP.get(p);
  if (!list) {
    const named: Record<(typeof CLAIM_KEYS)[number], string> = {
      owner: keys.owner(p),
      epoch: keys.epoch(p),
      ready: keys.ready(p),
      running: keys.running(p),
      wake: keys.wake(p),
      attempts: keys.attempts(p),
      heldTypes: keys.heldTypes(p),
    };
    list = CLAIM_KEYS.map((name) => named[name]);
    byP.set(p, list);
  }
  return list;
}

/**
 * One actor a claim took: its key, a batch of its mail (undefined when the claim had no hint for
 * it: read it with readMail), and its attempts record ('' for none).
 */
export interface Claimed {
  akey: string;
  mail: Buffer[] | undefined;
  attempts: string;
}

export interface ClaimResult {
  claimed: Claimed[];
  readyLeft: number;
  /** The actors now at the head of the ready queue: hints for the next claim. */
  head: string[];
}

/**
 * Claims up to n ready actors of partition s, skipping (holding) those of the paused types.
 * `hints` are actors expected near the head of the ready queue: their mail comes with the claim.
 * Returns 'fenced' when the lease is not held at s.epoch.
 */
export async function claimReady(
  d: PartitionScriptDeps,
  s: PartitionState,
  n: number,
  batchSize: number,
  token: string,
  paused: readonly string[],
  hints: Iterable<string>,
): Promise<'fenced' | ClaimResult> {
  const { keys } = d;
  const p = s.p;
  const k = claimKeys(keys, p).slice();
  const args: (string | number)[] = [d.workerId, s.epoch, n, batchSize, token, paused.length];
  for (const type of paused) {
    k.push(keys.heldPrefix(p) + type);
    args.push(type);
  }
  for (const akey of hints) {
    k.push(keys.mailbox(p, akey));
    args.push(akey);
  }
  const res = await d.scripted.runBuffer('claim', k, args);
  if (res === -1) return 'fenced';
  const flat = res as (Buffer | Buffer[] | number)[];
  const last = flat.length - 2;
  const claimed: Claimed[] = [];
  for (let i = 0; i < last; i += 3) {
    const mail = flat[i + 1];
    claimed.push({
      akey: (flat[i] as Buffer).toString(),
      mail: Array.isArray(mail) ? mail : undefined,
      attempts: (flat[i + 2] as Buffer).toString(),
    });
  }
  const head = (flat[last + 1] as Buffer[]).map((b) => b.toString());
  return { claimed, readyLeft: flat[last] as number, head };
}

/**
 * For actors claimed without a hint: the first `batchSize` messages of each one's mailbox and, for
 * those named in `cold` (not in memory), its context log too, in one round trip, so a cold actor
 * costs no more round trips than when its mail came with the claim.
 */
export async function readMail(
  d: PartitionScriptDeps,
  s: PartitionState,
  akeys: readonly string[],
  cold: ReadonlySet<string>,
  batchSize: number,
): Promise<{ mail: Buffer[]; log: Buffer[] | undefined }[]> {
  const pipe = d.scripted.redis.pipeline();
  for (const akey of akeys) {
    pipe.lrangeBuffer(d.keys.mailbox(s.p, akey), 0, batchSize - 1);
    if (cold.has(akey)) pipe.lrangeBuffer(d.keys.log(s.p, akey), 0, -1);
  }
  const res = (await pipe.exec()) ?? [];
  let at = 0;
  const next = (): Buffer[] => {
    const [err, value] = res[at++] ?? [new Error('no reply')];
    if (err) throw err;
    return value as Buffer[];
  };
  return akeys.map((akey) => ({ mail: next(), log: cold.has(akey) ? next() : undefined }));
}

/**
 * Commits the items of partition s in one script. Returns 'fenced' when the lease is not held at
 * s.epoch; otherwise the ready queue's length, the actors whose claim was no longer current, and
 * the actors put back on the ready queue (hints for the next claim).
 */
export async function commitItems(
  d: PartitionScriptDeps,
  s: PartitionState,
  items: readonly CommitItem[],
  replyTtlMs: number,
): Promise<ReturnType<typeof decodeCommit>> {
  const head = { workerId: d.workerId, epoch: s.epoch, replyTtlMs, deadKept: DEAD_LETTERS_KEPT };
  const call = encodeCommit(d.keys, s.p, head, items);
  return decodeCommit(await d.scripted.run('commit', call.keys, call.args));
}
