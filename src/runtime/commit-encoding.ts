/**
 * commit.lua's KEYS and ARGV, written here once: the script's header names the same layout, and
 * test/commit-protocol.test.ts fails when the two disagree. Every key the script touches is
 * declared, in the order the items come; the items' arguments go packed in one (lua-table.ts).
 */
import type { Keys } from '../redis/keys.ts';
import { packLuaTable } from '../redis/lua-table.ts';
import type { ScriptArg, ScriptCall } from '../redis/scripts.ts';
import type { CommitItem } from './commit-item.ts';

/** Dead letters kept per namespace, spread over its partitions' streams (approximately: MAXLEN ~). */
const DEAD_LETTERS_KEPT = 100_000;

/** What one partition's dead-letter stream keeps: its share of DEAD_LETTERS_KEPT, at least 1,000. */
export function deadLettersKept(partitions: number): number {
  return Math.max(1_000, Math.ceil(DEAD_LETTERS_KEPT / partitions));
}

/**
 * The call that commits `items` on partition p (of `partitions`) for `workerId` holding it at
 * `epoch`. With `outbox` (a Redis Cluster, where a script stays in its slot), sends to other
 * partitions and replies go to the partition's outbox, to be relayed; otherwise they are written
 * where they go.
 */
export function encodeCommit(
  keys: Keys,
  partitions: number,
  p: number,
  workerId: string,
  epoch: number,
  replyTtlMs: number,
  items: readonly CommitItem[],
  outbox = false,
): ScriptCall {
  const mailboxPrefix = keys.mailboxPrefix(p);
  const logPrefix = keys.logPrefix(p);
  const k: string[] = [
    keys.owner(p),
    keys.epoch(p),
    keys.ready(p),
    keys.running(p),
    keys.dead(p),
    keys.timers(p),
    keys.attempts(p),
    keys.paused(p),
    keys.mergeDue(p),
    keys.outbox(p),
    keys.dirCount(p),
  ];
  const args: ScriptArg[] = [];
  for (const it of items) {
    k.push(mailboxPrefix + it.akey, logPrefix + it.akey, keys.logBucketOf(p, it.akey, partitions));
    // the repeats hash, when the batch sets or ends a repeat, or destroys the actor (and its repeats)
    const reps = it.repeats.length > 0 || it.dir >= 2 ? 1 : 0;
    args.push(it.akey, it.token, it.handled, it.mergeAt, it.fresh, it.dir, reps);
    if (it.dir > 0) {
      const slash = it.akey.indexOf('/');
      const type = it.akey.slice(0, slash);
      k.push(keys.dirOf(p, type, it.akey.slice(slash + 1), partitions));
      args.push(it.fields.length);
      for (const [field, enc] of it.fields) {
        k.push(keys.index(p, type, field));
        args.push(field, enc);
      }
      if (it.dir >= 2) k.push(keys.history(p, it.akey), keys.lock(p, it.akey));
    } else {
      args.push(0);
    }
    if (reps) k.push(keys.repeats(p, it.akey));
    args.push(it.segments.length);
    for (const seg of it.segments) args.push(seg);
    // on a single Redis (no outbox) every send and reply is written where it goes
    const direct = outbox ? it.sends.filter(([q]) => q === p) : it.sends;
    args.push(direct.length);
    for (const [q, akey, envelope] of direct) {
      k.push(keys.mailbox(q, akey), keys.ready(q), keys.wake(q));
      args.push(akey, envelope);
    }
    args.push(it.sends.length - direct.length);
    if (outbox) for (const [q, akey, envelope] of it.sends) if (q !== p) args.push(q, akey, envelope);
    args.push(outbox ? 0 : it.replies.length);
    if (!outbox) {
      for (const [client, payload] of it.replies) {
        k.push(keys.replies(client));
        args.push(payload);
      }
    }
    args.push(outbox ? it.replies.length : 0);
    if (outbox) for (const [client, payload] of it.replies) args.push(client, payload);
    args.push(it.dead.length);
    for (const [reason, error, attempts, envelope, held] of it.dead) {
      args.push(reason, error, attempts, envelope, held);
    }
    args.push(it.timers.length);
    for (const [due, envelope] of it.timers) args.push(due, envelope);
    args.push(it.repeats.length);
    for (const op of it.repeats) args.push(...op);
    args.push(it.retryAt, it.retryRecord);
  }
  const fixed = [workerId, epoch, replyTtlMs, deadLettersKept(partitions), items.length];
  return { keys: k, args: [...fixed, packLuaTable(args)] };
}
