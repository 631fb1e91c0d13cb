import type { RedisClient } from '../redis/client.ts';
import { ConfigError, SendError } from '../errors.ts';
import {
  checkId,
  isAll,
  matches,
  oldestFirst,
  parse,
  type AllDeadLetters,
  type DeadLetter,
  type DeadLetterFilter,
  type ListDeadLettersOptions,
} from './dead-letter-entries.ts';
import { actorKey } from '../protocol/partition.ts';
import { readPlacement } from '../redis/placement-store.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** @internal What DeadLetters needs; the CLI builds one without a full client. */
export interface DeadLetterDeps {
  redis: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  /** Throws ClosedError once the owning client is closed (the CLI's short-lived use has none). */
  assertOpen?: () => void;
}

const PAGE = 500;
/** Entries read from each partition's stream at a time while listing: most lists are short. */
const PARTITION_PAGE = 50;

/**
 * The dead letters of one namespace: list, show, retry and purge messages workers could not handle.
 * Each partition keeps its own stream (so a commit writes to its own Redis Cluster slot); listing
 * merges them newest first. Reach it as `troupe.deadLetters`.
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
   * One dead letter by its id, or undefined when there is none (purged, retried or trimmed). An id
   * without its partition (from before Troupe kept dead letters per partition) is looked for in every
   * partition.
   *
   * @example
   * ```ts
   * const d = await troupe.deadLetters.show('1718000000000-0@12');
   * if (d) console.log(d.reason, d.error);
   * ```
   */
  async show(id: string): Promise<DeadLetter | undefined> {
    this.deps.assertOpen?.();
    const ref = checkId(id);
    const { redis, keys } = this.deps;
    const where = ref.p === undefined ? await this.partitions() : [ref.p];
    const found = await Promise.all(
      where.map(async (p) => {
        const row = (await redis.xrangeBuffer(keys.dead(p), ref.entry, ref.entry))[0];
        return row ? parse(p, row) : undefined;
      }),
    );
    return found.find((d) => d !== undefined);
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
   * await troupe.deadLetters.retry('1718000000000-0@12');
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
      entries.sort(oldestFirst);
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
   * await troupe.deadLetters.purge('1718000000000-0@12');
   * await troupe.deadLetters.purge({ all: true, actor: 'counter/c-1' });
   * ```
   */
  async purge(target: string | readonly string[] | AllDeadLetters): Promise<number> {
    this.deps.assertOpen?.();
    if (!isAll(target)) {
      const ids = [...new Set(typeof target === 'string' ? [target] : target)];
      ids.forEach(checkId);
      // a held entry's message is still in its mailbox: dropping it must also resume the actor
      const found = (await Promise.all(ids.map((id) => this.show(id)))).filter((d) => d !== undefined);
      let done = 0;
      for (const d of found) if (d.held) done += await this.resume(d, 'purge');
      return done + (await this.remove(found.filter((d) => !d.held)));
    }
    // XDEL of the entries seen, never DEL: an entry added while purging is not lost unseen
    let done = 0;
    let batch: DeadLetter[] = [];
    for await (const d of this.scan('oldest', target)) {
      if (d.held) {
        done += await this.resume(d, 'purge');
        continue;
      }
      batch.push(d);
      if (batch.length >= PAGE) {
        done += await this.remove(batch);
        batch = [];
      }
    }
    return done + (await this.remove(batch));
  }

  /** Deletes entries from their partitions' streams; resolves to how many were there. */
  private async remove(entries: readonly DeadLetter[]): Promise<number> {
    const byPartition = new Map<number, string[]>();
    for (const d of entries) {
      const list = byPartition.get(d.partition) ?? [];
      list.push(d.entry);
      byPartition.set(d.partition, list);
    }
    const counts = await Promise.all(
      [...byPartition].map(([p, ids]) => this.deps.redis.xdel(this.deps.keys.dead(p), ...ids)),
    );
    return counts.reduce((a, b) => a + b, 0);
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
      keys.dead(p),
    ];
    return Number(await this.deps.scripted.run('resume', k, [d.actor, d.entry, mode]));
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
   * on purpose: one MULTI would still run XDEL after a failed tell (Redis has no rollback), and a
   * re-sent message may go to another partition than the stream its entry is in.
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
          () => d,
          (err: unknown) => err as Error,
        );
    });
    const results = await Promise.all(sends);
    const sent = results.filter((r): r is DeadLetter => !(r instanceof Error));
    await this.remove(sent);
    const failed = results.find((r): r is Error => r instanceof Error);
    if (failed) {
      throw new SendError(
        `could not confirm the re-send of ${results.length - sent.length} dead letter(s), which stay listed (${sent.length} re-sent and removed): ${failed.message}`,
        { cause: failed },
      );
    }
    return sent.length;
  }

  /** The partitions whose streams to look in: every partition of the namespace, in every pool. */
  private async partitions(): Promise<number[]> {
    const placement = await readPlacement(this.deps.redis, this.deps.keys);
    return [...Array(placement.total).keys()];
  }

  /**
   * Every entry matching the filter, newest or oldest first across the partitions' streams: each
   * stream is read a page at a time, and the next entry is the newest (oldest) of their heads.
   */
  private async *scan(order: 'newest' | 'oldest', filter: DeadLetterFilter): AsyncGenerator<DeadLetter> {
    const { redis, keys } = this.deps;
    const streams = (await this.partitions()).map((p) => ({
      p,
      cursor: order === 'newest' ? '+' : '-',
      rows: [] as DeadLetter[],
      done: false,
    }));
    const refill = async (s: (typeof streams)[number]): Promise<void> => {
      const rows =
        order === 'newest'
          ? await redis.xrevrangeBuffer(keys.dead(s.p), s.cursor, '-', 'COUNT', PARTITION_PAGE)
          : await redis.xrangeBuffer(keys.dead(s.p), s.cursor, '+', 'COUNT', PARTITION_PAGE);
      s.rows = rows.map((row) => parse(s.p, row));
      s.done = rows.length < PARTITION_PAGE;
      // exclusive ranges (Redis 6.2+): continue after the last id seen
      const last = s.rows[s.rows.length - 1];
      if (last) s.cursor = `(${last.entry}`;
    };
    const before = order === 'newest' ? (a: DeadLetter, b: DeadLetter) => oldestFirst(b, a) : oldestFirst;
    await Promise.all(streams.map(refill));
    for (;;) {
      let next: (typeof streams)[number] | undefined;
      for (const s of streams) {
        const head = s.rows[0];
        if (head && (!next || before(head, next.rows[0]!) < 0)) next = s;
      }
      if (!next) return;
      const d = next.rows.shift()!;
      if (next.rows.length === 0 && !next.done) await refill(next);
      if (matches(d, filter)) yield d;
    }
  }
}
