/**
 * A dead letter as the API shows it, the filters that pick them, and reading one from its
 * partition's stream: what `DeadLetters` (dead-letters.ts) lists, shows, retries and purges.
 */
import { ConfigError } from '../errors.ts';
import {
  compareEntryIds,
  deadLetterId,
  parseDeadLetterId,
  type DeadLetterRef,
} from '../protocol/dead-letter-id.ts';
import { decodeEnvelope, type Envelope } from '../protocol/envelope.ts';

/**
 * A dead letter: a message a worker could not handle, kept in the dead-letter stream of its actor's
 * partition (`{troupe:<ns>:<p>}:dead`).
 *
 * @example
 * ```ts
 * for (const d of await troupe.deadLetters.list({ reason: 'handler-error' })) {
 *   console.log(new Date(d.at).toISOString(), d.actor, d.envelope?.method, d.error.split('\n')[0]);
 * }
 * ```
 */
export interface DeadLetter {
  /**
   * Its id, e.g. `1718000000000-0@12`: the stream entry id, then `@` and the partition whose stream
   * holds it. What `show`, `retry` and `purge` take.
   */
  id: string;
  /** `<type>/<id>` of the mailbox the message was taken from. */
  actor: string;
  /** Why: one of DEAD_LETTER_REASONS (`src/protocol/dead-letter-reasons.ts`), e.g. `handler-error`. */
  reason: string;
  /** The error text (a stack for `handler-error`). */
  error: string;
  /** How many times the message was tried before it was dead-lettered. */
  attempts: number;
  /** Id of the worker that dead-lettered it. */
  worker: string;
  /** When it was dead-lettered, in ms since the epoch (the time part of the stream id). */
  at: number;
  /** The decoded envelope, or undefined when the bytes are not a valid envelope (see `decodeError`). */
  envelope: Envelope | undefined;
  /** Why the envelope could not be decoded; set exactly when `envelope` is undefined. */
  decodeError?: string;
  /** The original envelope bytes, as the worker took them from the mailbox. */
  raw: Buffer;
  /**
   * True when the actor's type pauses on dead letters (`static onDeadLetter = 'pause'`): the message
   * is still at the head of its mailbox and the actor waits. Retrying it tries the message again in
   * place; purging it drops it; either way the actor resumes.
   */
  held: boolean;
  /** The partition whose dead-letter stream holds it (the actor's partition when it was dead-lettered). */
  partition: number;
  /** Its entry id in that stream, `<ms>-<seq>`. */
  entry: string;
}

/**
 * Which dead letters a `list`, or a bulk `retry` / `purge`, is about.
 *
 * @example
 * ```ts
 * await troupe.deadLetters.list({ actor: 'counter', reason: 'unknown-method', limit: 20 });
 * ```
 */
export interface DeadLetterFilter {
  /** `<type>/<id>` for one actor, or `<type>` for every actor of that type. */
  actor?: string;
  /** Only entries with this reason. */
  reason?: string;
}

/**
 * Options of `deadLetters.list()`.
 *
 * @example
 * ```ts
 * const newest = await troupe.deadLetters.list({ limit: 10 });
 * ```
 */
export interface ListDeadLettersOptions extends DeadLetterFilter {
  /** At most this many entries, newest first (default 100; `Infinity` for all). */
  limit?: number;
}

/**
 * Everything matching a filter: `{ all: true }` alone means every dead letter of the namespace.
 *
 * @example
 * ```ts
 * await troupe.deadLetters.purge({ all: true, reason: 'undecodable' });
 * ```
 */
export interface AllDeadLetters extends DeadLetterFilter {
  all: true;
}

export function isAll(target: unknown): target is AllDeadLetters {
  return typeof target === 'object' && target !== null && !Array.isArray(target);
}

export function checkId(id: string): DeadLetterRef {
  const ref = parseDeadLetterId(id);
  if (!ref) {
    throw new ConfigError(
      `"${String(id)}" is not a dead-letter id: expected one like 1718000000000-0@12 (as \`troupe dead-letters list\` shows them)`,
    );
  }
  return ref;
}

/** Oldest first by time, then by partition: one stream's entries keep their order. */
export function oldestFirst(a: DeadLetter, b: DeadLetter): number {
  return compareEntryIds(a.entry, b.entry) || a.partition - b.partition;
}

export function matches(d: DeadLetter, f: DeadLetterFilter): boolean {
  if (f.reason !== undefined && d.reason !== f.reason) return false;
  if (f.actor === undefined) return true;
  return f.actor.includes('/') ? d.actor === f.actor : d.actor.startsWith(`${f.actor}/`);
}

/** One XRANGE row of partition p's stream: [id, [field, value, ...]] with Buffers throughout. */
export function parse(p: number, [idBuf, flat]: [Buffer, Buffer[]]): DeadLetter {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
  const text = (name: string) => fields.get(name)?.toString() ?? '';
  const entry = idBuf.toString();
  const raw = fields.get('envelope') ?? Buffer.alloc(0);
  let envelope: Envelope | undefined;
  let decodeError: string | undefined;
  try {
    envelope = decodeEnvelope(raw);
  } catch (err) {
    decodeError = (err as Error).message;
  }
  return {
    id: deadLetterId(p, entry),
    partition: p,
    entry,
    actor: text('actor'),
    reason: text('reason'),
    error: text('error'),
    attempts: Number(text('attempts')) || 0,
    worker: text('worker'),
    at: Number(entry.split('-')[0]),
    envelope,
    ...(decodeError !== undefined ? { decodeError } : {}),
    raw,
    held: text('held') === '1',
  };
}
