/**
 * What one actor's batch commits (a CommitItem). commit-protocol.ts turns items into commit.lua's call.
 */
import type { DeadLetterReason } from '../protocol/dead-letter-reasons.ts';
import { decodeEnvelope, type Envelope } from '../protocol/envelope.ts';
import { encodeReply } from '../protocol/reply.ts';

/** A message a turn sends, delivered when the batch commits. */
export interface Send {
  partition: number;
  akey: string;
  envelope: Buffer;
}

/** An answer to an ask, pushed onto the asker's reply list. */
export interface Reply {
  client: string;
  payload: Buffer;
}

/** A message to the dead letters. */
export interface DeadEntry {
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  envelope: Buffer;
  /** 1 when the message stays at the mailbox head and the actor pauses on it. */
  held: 0 | 1;
}

/** A message for this actor to deliver later (this.schedule). */
export interface TimerEntry {
  due: number;
  envelope: Buffer;
}

/** Everything one actor's batch of turns commits (see commit-protocol.ts for how it is sent). */
export interface CommitItem {
  akey: string;
  token: string;
  handled: number;
  /** Log length (in segments) at which the commit flags the actor for merging; 0 for never. */
  mergeAt: number;
  segments: Buffer[];
  sends: Send[];
  replies: Reply[];
  dead: DeadEntry[];
  timers: TimerEntry[];
  /** When > 0, the actor is parked until then for a retry of its message at `handled`; -1: paused. */
  retryAt: number;
  /** "<message id> <failed attempts>" while parked; otherwise the claimed record to clear, or ''. */
  retryRecord: string;
  /** Messages whose handler succeeded. */
  succeeded: number;
  failed: number;
}

/** An item that commits nothing yet: the batch fills it in. */
export function emptyItem(akey: string, token: string, handled: number, mergeAt: number): CommitItem {
  return {
    akey,
    token,
    handled,
    mergeAt,
    segments: [],
    sends: [],
    replies: [],
    dead: [],
    timers: [],
    retryAt: 0,
    retryRecord: '',
    succeeded: 0,
    failed: 0,
  };
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
  item.dead = mail.map((m) => ({ reason, error, attempts: 1, envelope: m, held: 0 }));
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
      item.replies.push({
        client: msg.replyTo,
        payload: encodeReply({ corr: msg.corr, ok: false, error: payload }),
      });
    }
  }
  return item;
}
