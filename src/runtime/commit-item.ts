/**
 * What one actor's batch commits (a CommitItem); commit-encoding.ts lays items out for commit.lua.
 */
import type { DeadLetterReason } from '../protocol/dead-letter-reasons.ts';
import { decodeEnvelope, type Envelope } from '../protocol/envelope.ts';
import { encodeReply } from '../protocol/reply.ts';

/** Everything one actor's batch of turns commits, in the order commit.lua reads it. */
export interface CommitItem {
  akey: string;
  token: string;
  handled: number;
  /** Log length (in segments) at which the commit flags the actor for merging; 0 for never. */
  mergeAt: number;
  /**
   * 1 when the actor's log is empty and new logs are born stowed: the segments go, after an empty
   * base, straight into its log bucket rather than into a list to be stowed when it goes idle.
   */
  fresh: number;
  /**
   * The directory and indexes (commit.lua's `dir`): 0 leaves them; bit 1 lists the actor under
   * `fields`; bit 2 destroys it first (this.destroy()): its log, history and entries are deleted.
   */
  dir: number;
  /** With `dir` > 0: the type's index fields, each with the encoding to list the actor under (empty: none). */
  fields: [field: string, enc: Buffer][];
  segments: Buffer[];
  sends: [partition: number, akey: string, envelope: Buffer][];
  replies: [client: string, payload: Buffer][];
  /** held = 1 when the message stays at the mailbox head and the actor pauses on it. */
  dead: [reason: DeadLetterReason, error: string, attempts: number, envelope: Buffer, held: number][];
  /** Messages for this actor to deliver later (this.schedule). */
  timers: [due: number, envelope: Buffer][];
  /**
   * Its repeats, in order: `set` (this.repeat) and `cancel`, and `next`, the next firing of a
   * repeat whose firing this batch finished, set only if `expect` (that firing's envelope) is still
   * the repeat's current one. An empty envelope with `next` ends the repeat (a cron rule that
   * never fires again).
   */
  repeats: RepeatOp[];
  /** When > 0, the actor is parked until then for a retry of its message at `handled`; -1: paused. */
  retryAt: number;
  /** "<message id> <failed attempts>" while parked; otherwise the claimed record to clear, or ''. */
  retryRecord: string;
  /** The actor waits for its type's flow control (a slot or a turn start): nothing ran. */
  waiting: boolean;
  /** Messages whose handler succeeded. */
  succeeded: number;
  failed: number;
}

export type RepeatOp = [
  op: 'set' | 'cancel' | 'next',
  name: string,
  due: number,
  envelope: Buffer,
  record: Buffer,
  expect: Buffer,
];

/** An item that commits nothing yet: the batch fills it in. */
export function emptyItem(akey: string, token: string, handled: number, mergeAt: number): CommitItem {
  return {
    akey,
    token,
    handled,
    mergeAt,
    fresh: 0,
    dir: 0,
    fields: [],
    segments: [],
    sends: [],
    replies: [],
    dead: [],
    timers: [],
    repeats: [],
    retryAt: 0,
    retryRecord: '',
    waiting: false,
    succeeded: 0,
    failed: 0,
  };
}

/**
 * A batch that may not start yet (its type's concurrency or rate limit): its mail stays, and the
 * actor is parked until `at`, when it is tried again, as after a retry backoff.
 */
export function waitingItem(akey: string, token: string, attempts: string, at: number): CommitItem {
  const item = emptyItem(akey, token, 0, 0);
  item.retryAt = at;
  item.retryRecord = attempts;
  item.waiting = true;
  return item;
}

/**
 * A batch none of whose messages can run (e.g. no class for the type): all go to dead letters, and
 * askers whose envelope can be read get the reason rather than a timeout. `each` hears of every
 * message, with its id when its envelope can be read.
 */
export function deadBatch(
  akey: string,
  token: string,
  mail: Buffer[],
  reason: DeadLetterReason,
  error: string,
  attempts = '',
  each?: (messageId: string | undefined) => void,
): CommitItem {
  const item = emptyItem(akey, token, mail.length, 0);
  item.retryRecord = attempts;
  item.dead = mail.map((m) => [reason, error, 1, m, 0]);
  item.failed = mail.length;
  for (const bytes of mail) {
    let msg: Envelope;
    try {
      msg = decodeEnvelope(bytes);
    } catch {
      each?.(undefined);
      continue;
    }
    each?.(msg.id);
    if (msg.replyTo && msg.corr) {
      const payload = { name: 'DeadLetter', message: `${reason}: ${error}` };
      item.replies.push([msg.replyTo, encodeReply({ corr: msg.corr, ok: false, error: payload })]);
    }
  }
  return item;
}

/**
 * A batch that belongs to another partition (its type lives in another pool than the one its
 * sender routed it to): the commit moves every message, untouched, to the mailbox in partition
 * `to`, so it runs where its actor's context is.
 */
export function forwardBatch(
  akey: string,
  token: string,
  mail: Buffer[],
  attempts: string,
  to: number,
): CommitItem {
  const item = emptyItem(akey, token, mail.length, 0);
  item.retryRecord = attempts;
  item.sends = mail.map((m) => [to, akey, m]);
  return item;
}
