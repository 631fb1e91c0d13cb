import type { Redis } from 'ioredis';
import { ConfigError, SendError } from '../errors.ts';
import { decodeEnvelope, type Envelope } from '../protocol/envelope.ts';
import { actorKey } from '../protocol/partition.ts';
import { readPlacement } from '../redis/placement-store.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/**
 * One entry of the dead-letter stream (`troupe:<ns>:dead`): a message a worker could not handle.
 *
 * @example
 * ```ts
 * for (const d of await troupe.deadLetters.list({ reason: 'handler-error' })) {
 *   console.log(new Date(d.at).toISOString(), d.actor, d.envelope?.method, d.error.split('\n')[0]);
 * }
 * ```
 */
export interface DeadLetter {
  /** The stream entry id, e.g. `1718000000000-0`; what `show`, `retry` and `purge` take. */
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

/** @internal What DeadLetters needs; the CLI builds one without a full client. */
export interface DeadLetterDeps {
  redis: Redis;
  scripted: ScriptedRedis;
  keys: Keys;
  /** Throws ClosedError once the owning client is closed (the CLI's short-lived use has none). */
  assertOpen?: () => void;
}

const STREAM_ID = /^\d+(-\d+)?$/;
const PAGE = 500;

/**
 * The dead-letter stream of one namespace: list, show, retry and purge messages workers could not
 * handle. Reach it as `troupe.deadLetters`.
 *
 * @example
 * ```ts
 * const troupe = await connect({ namespace: 'shop' });
 * const dead = await troupe.deadLetters.list({ reason: 'unknown-type' });
 * await troupe.deadLetters.retry(dead.map((d) => d.id)); // after deploying the missing class
 * ```
 */
export class DeadLetters {
  /** @internal Use `troupe.deadLetters`. */
  constructor(private readonly deps: DeadLetterDeps) {}

  /**
   * Dead letters, newest first, filtered by actor and reason.
   *
   * @example
   * ```ts
   * const failed = await troupe.deadLetters.list({ actor: 'counter/c-1', limit: 5 });
   * ```
   */
  async list(options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
    this.deps.assertOpen?.();
    const limit = options.limit ?? 100;
    if (!(limit >= 0)) throw new ConfigError(`limit must be a number >= 0; got ${String(limit)}`);
    const out: DeadLetter[] = [];
    for await (const d of this.scan('newest', options)) {
      if (out.length >= limit) break;
      out.push(d);
    }
    return out;
  }

  /**
   * One dead letter by its stream id, or undefined when there is none (purged, retried or trimmed).
   *
   * @example
   * ```ts
   * const d = await troupe.deadLetters.show('1718000000000-0');
   * if (d) console.log(d.reason, d.error);
   * ```
   */
  async show(id: string): Promise<DeadLetter | undefined> {
    this.deps.assertOpen?.();
    checkId(id);
    const rows = await this.deps.redis.xrangeBuffer(this.deps.keys.dead(), id, id);
    const row = rows[0];
    return row ? parse(row) : undefined;
  }

  /**
   * Sends dead letters again: the original envelope bytes go back into the mailbox of the actor the
   * envelope names, through the same `tell` script clients use (so routing and wake-up work), and
   * the entries are deleted from the stream. Resolves to how many were re-sent.
   *
   * Retried messages go out oldest first, so one actor's retries keep their original order. The
   * re-send is confirmed before the entry is deleted: a crash between the two leaves the message
   * both re-sent and still listed, and retrying it again handles it twice. Retries are therefore
   * at-least-once, like side effects; handlers that must not repeat should key on `this.messageId`,
   * which a retry keeps.
   *
   * An entry whose bytes are not a valid envelope (reason `undecodable`, or a version this Troupe
   * does not speak) cannot be retried: a worker would only dead-letter it again. Naming such an
   * entry (or one that does not exist) rejects with a ConfigError before anything is re-sent; with
   * `{ all: true }` such entries are skipped and stay listed, to be purged.
   *
   * @example
   * ```ts
   * await troupe.deadLetters.retry('1718000000000-0');
   * await troupe.deadLetters.retry({ all: true, reason: 'unknown-type', actor: 'invoice' });
   * ```
   */
  async retry(target: string | readonly string[] | AllDeadLetters): Promise<number> {
    this.deps.assertOpen?.();
    let entries: DeadLetter[];
    if (isAll(target)) {
      entries = [];
      for await (const d of this.scan('oldest', target)) if (d.envelope) entries.push(d);
    } else {
      entries = await this.named(target);
      const bad = entries.find((d) => !d.envelope);
      if (bad) {
        throw new ConfigError(
          `dead letter ${bad.id} (${bad.actor}) cannot be retried: its bytes are not a valid envelope ` +
            `(${bad.decodeError ?? 'undecodable'}), so a worker would only dead-letter it again. ` +
            `Purge it instead (troupe dead-letters purge ${bad.id}).`,
        );
      }
      entries.sort((a, b) => compareIds(a.id, b.id));
    }
    let done = 0;
    for (const d of entries.filter((e) => e.held)) done += await this.resume(d, 'retry');
    const resend = entries.filter((e) => !e.held);
    for (let i = 0; i < resend.length; i += PAGE) done += await this.resend(resend.slice(i, i + PAGE));
    return done;
  }

  /**
   * Deletes dead letters for good. Resolves to how many were deleted (ids that do not exist count 0).
   * Entries whose envelope is undecodable can be purged like any other.
   *
   * @example
   * ```ts
   * await troupe.deadLetters.purge('1718000000000-0');
   * await troupe.deadLetters.purge({ all: true, actor: 'counter/c-1' });
   * ```
   */
  async purge(target: string | readonly string[] | AllDeadLetters): Promise<number> {
    this.deps.assertOpen?.();
    const key = this.deps.keys.dead();
    if (!isAll(target)) {
      const ids = [...new Set(typeof target === 'string' ? [target] : target)];
      ids.forEach(checkId);
      // a held entry's message is still in its mailbox: dropping it must also resume the actor
      const found = await Promise.all(ids.map((id) => this.show(id)));
      let done = 0;
      for (const d of found) if (d?.held) done += await this.resume(d, 'purge');
      const plain = ids.filter((_, i) => !found[i]?.held);
      return done + (plain.length === 0 ? 0 : await this.deps.redis.xdel(key, ...plain));
    }
    // XDEL of the ids seen, never DEL: an entry added while purging is not lost unseen
    let done = 0;
    let batch: string[] = [];
    for await (const d of this.scan('oldest', target)) {
      if (d.held) {
        done += await this.resume(d, 'purge');
        continue;
      }
      batch.push(d.id);
      if (batch.length >= PAGE) {
        done += await this.deps.redis.xdel(key, ...batch);
        batch = [];
      }
    }
    if (batch.length > 0) done += await this.deps.redis.xdel(key, ...batch);
    return done;
  }

  /** Answers a paused actor's held dead letter in one script: retry it in place, or drop it. */
  private async resume(d: DeadLetter, mode: 'retry' | 'purge'): Promise<number> {
    const { redis, keys } = this.deps;
    const slash = d.actor.indexOf('/');
    const placement = await readPlacement(redis, keys);
    const p = placement.partitionOf(d.actor.slice(0, slash), d.actor.slice(slash + 1));
    const k = [
      keys.paused(p),
      keys.attempts(p),
      keys.ready(p),
      keys.wake(p),
      keys.mailbox(p, d.actor),
      keys.dead(),
    ];
    return Number(await this.deps.scripted.run('resume', k, [d.actor, d.id, mode]));
  }

  /** The named entries, all of which must exist. */
  private async named(target: string | readonly string[]): Promise<DeadLetter[]> {
    const ids = [...new Set(typeof target === 'string' ? [target] : target)];
    ids.forEach(checkId);
    const found = await Promise.all(ids.map((id) => this.show(id)));
    const missing = ids.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      throw new ConfigError(
        `no dead letter ${missing.join(', ')} in namespace "${this.deps.keys.ns}" (already retried, purged or trimmed?)`,
      );
    }
    return found as DeadLetter[];
  }

  /**
   * Re-sends one page of entries, then deletes the ones whose send was confirmed. Two round trips
   * on purpose: one MULTI would still run XDEL after a failed tell (Redis has no rollback), and the
   * dead-letter stream is not in the partitions' cluster slots anyway.
   */
  private async resend(entries: DeadLetter[]): Promise<number> {
    const { redis, keys } = this.deps;
    const placement = await readPlacement(redis, keys);
    const sends = entries.map((d) => {
      const env = d.envelope!;
      // route by the envelope, as a client would: a misrouted message reaches its actor this time
      const p = placement.partitionOf(env.type, env.actor);
      const akey = actorKey(env.type, env.actor);
      return this.deps.scripted
        .run('tell', [keys.mailbox(p, akey), keys.ready(p), keys.wake(p)], [akey, d.raw])
        .then(
          () => d.id,
          (err: unknown) => err as Error,
        );
    });
    const results = await Promise.all(sends);
    const sent = results.filter((r): r is string => typeof r === 'string');
    if (sent.length > 0) await redis.xdel(keys.dead(), ...sent);
    const failed = results.find((r): r is Error => r instanceof Error);
    if (failed) {
      throw new SendError(
        `could not confirm the re-send of ${results.length - sent.length} dead letter(s), which stay listed (${sent.length} re-sent and removed): ${failed.message}`,
        { cause: failed },
      );
    }
    return sent.length;
  }

  /** Every entry matching the filter, paging through the stream in either direction. */
  private async *scan(order: 'newest' | 'oldest', filter: DeadLetterFilter): AsyncGenerator<DeadLetter> {
    const { redis, keys } = this.deps;
    let cursor = order === 'newest' ? '+' : '-';
    for (;;) {
      const rows =
        order === 'newest'
          ? await redis.xrevrangeBuffer(keys.dead(), cursor, '-', 'COUNT', PAGE)
          : await redis.xrangeBuffer(keys.dead(), cursor, '+', 'COUNT', PAGE);
      for (const row of rows) {
        const d = parse(row);
        if (matches(d, filter)) yield d;
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE) return;
      // exclusive ranges (Redis 6.2+): continue after the last id seen
      cursor = `(${last[0].toString()}`;
    }
  }
}

function isAll(target: unknown): target is AllDeadLetters {
  return typeof target === 'object' && target !== null && !Array.isArray(target);
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !STREAM_ID.test(id)) {
    throw new ConfigError(
      `"${String(id)}" is not a dead-letter id: expected a stream id like 1718000000000-0`,
    );
  }
}

function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

function matches(d: DeadLetter, f: DeadLetterFilter): boolean {
  if (f.reason !== undefined && d.reason !== f.reason) return false;
  if (f.actor === undefined) return true;
  return f.actor.includes('/') ? d.actor === f.actor : d.actor.startsWith(`${f.actor}/`);
}

/** One XRANGE row: [id, [field, value, field, value, ...]] with Buffers throughout. */
function parse([idBuf, flat]: [Buffer, Buffer[]]): DeadLetter {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
  const text = (name: string) => fields.get(name)?.toString() ?? '';
  const id = idBuf.toString();
  const raw = fields.get('envelope') ?? Buffer.alloc(0);
  let envelope: Envelope | undefined;
  let decodeError: string | undefined;
  try {
    envelope = decodeEnvelope(raw);
  } catch (err) {
    decodeError = (err as Error).message;
  }
  return {
    id,
    actor: text('actor'),
    reason: text('reason'),
    error: text('error'),
    attempts: Number(text('attempts')) || 0,
    worker: text('worker'),
    at: Number(id.split('-')[0]),
    envelope,
    ...(decodeError !== undefined ? { decodeError } : {}),
    raw,
    held: text('held') === '1',
  };
}
