import type { TurnTimes } from './turn-times.ts';
import type { Placement } from '../protocol/placement.ts';
import type { Context } from '@opentelemetry/api';
import type { MergePolicy } from '../actor/policies.ts';
import { NonRetryableError } from '../errors.ts';
import type { Envelope, TraceCarrier } from '../protocol/envelope.ts';
import { encodeEnvelope, ENVELOPE_VERSION } from '../protocol/envelope.ts';
import { indexEncodings } from '../actor/index-values.ts';
import { indexRecord } from '../protocol/index-entry.ts';
import { encodeSegment } from '../protocol/log.ts';
import { encodeReply } from '../protocol/reply.ts';
import { carrierOf } from '../tracing/carrier.ts';
import { endTurnSpan, inTurn, startTurnSpan } from '../tracing/turn-span.ts';
import type { ActiveActor } from './active-actor.ts';
import { emptyItem, type CommitItem } from './commit-item.ts';
import { nextFiringOp, repeatOps, type RepeatOwner } from './repeat-ops.ts';
import type { Rejection } from './dead-letter-log.ts';
import { withTimeout, type Outcome } from './handler-timeout.ts';
import { errorInfo, prepare, priorFailures } from './prepare.ts';
import type { TurnOutcome, WorkerObserver } from './worker-types.ts';

export interface TurnEnv {
  /** Where actors live now (an actor's partition, and its log bucket, depend on its pool). */
  placement: () => Placement;
  /** Larger envelopes are dead-lettered unread. */
  maxMessageBytes: number;
  now: () => number;
  onHandlerError?: (akey: string, env: Envelope, err: unknown) => void;
  /** A message was dead-lettered without running (bad input); the worker logs it. */
  onRejected?: (rejection: Rejection) => void;
  observer?: WorkerObserver | undefined;
  /** Every turn's duration, per type, for the registry entry. */
  turnTimes: TurnTimes;
}

const NONE = Buffer.alloc(0);

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The log length at which a commit flags the actor for the owner's merge sweep. Lua sees counts,
 * not bytes, so a bytes-only policy is approximated by a count (small segments flag early, which
 * only merges sooner).
 */
function flagAt(policy: Required<MergePolicy>): number {
  if (policy.segments > 0) return policy.segments;
  return policy.bytes > 0 ? Math.max(16, Math.ceil(policy.bytes / 64)) : 0;
}

/** Milliseconds to wait before retry number `attempt` (1-based count of failures so far). */
export function backoff(
  policy: { backoffMs: number; maxBackoffMs: number; jitter: number },
  attempt: number,
): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
  return Math.max(0, Math.round(base * (1 + policy.jitter * (Math.random() * 2 - 1))));
}

function isRetryable(err: unknown): boolean {
  return (err as { retryable?: unknown } | null)?.retryable !== false;
}

/**
 * Runs a batch of turns for one actor, strictly in mailbox order, and gathers their effects for one
 * commit. Stays synchronous while handlers are, so a batch of plain handlers costs no event-loop hop.
 * A failed handler's segments, sends and timers are discarded and its context restored; if it may
 * be retried, the batch stops there and the actor is parked until its backoff ends.
 */
export function runBatch(
  actor: ActiveActor,
  token: string,
  mail: Buffer[],
  attempts: string,
  env: TurnEnv,
): CommitItem | Promise<CommitItem> {
  return new Batch(actor, token, mail, attempts, env).step(0);
}

/**
 * One batch in progress. A class rather than closures: this runs for every claimed actor, and
 * named closures cost an allocation and (under tsx's keepNames) a defineProperty each.
 */
class Batch {
  readonly item: CommitItem;
  /** When the current handler started (performance.now()), for the observer. */
  private startedAt = 0;
  /** The running turn's span context; undefined when tracing is off (see startTurnSpan). */
  private trace: Context | undefined;
  /** What the running turn's sends carry as `tc`, injected once from `trace` at its first send. */
  private tc: TraceCarrier | undefined;
  /** A turn succeeded: the directory hears of the actor. */
  private touched = false;
  /** After the last successful turn, whether the actor exists (not destroyed, or appended since). */
  private listed = false;
  /** Its index values' encodings after the last successful turn, one per field (undefined: none). */
  private encodings: readonly (Buffer | undefined)[] = [];

  constructor(
    private readonly actor: ActiveActor,
    token: string,
    private readonly mail: Buffer[],
    private readonly attempts: string,
    private readonly env: TurnEnv,
  ) {
    this.item = emptyItem(actor.akey, token, mail.length, flagAt(actor.entry.merge));
    this.item.fresh = actor.logAt === 'none' ? 1 : 0;
    // a record from an earlier failure is cleared by the commit unless the actor parks again
    this.item.retryRecord = attempts;
  }

  private owner(): RepeatOwner {
    return { akey: this.actor.akey, type: this.actor.entry.type, id: this.actor.state.id };
  }

  /** `msg` is done: if it is a repeat's firing, its next one is scheduled with this commit. */
  private fired(msg: Envelope, bytes: Buffer, ts: number): void {
    if (!msg.rp) return;
    const op = nextFiringOp(this.owner(), msg, bytes, ts);
    if (op) this.item.repeats.push(op);
  }

  private answer(msg: Envelope | undefined, error: { name: string; message: string; stack?: string }): void {
    if (msg?.replyTo && msg.corr)
      this.item.replies.push([msg.replyTo, encodeReply({ corr: msg.corr, ok: false, error })]);
  }

  /** An envelope this turn sends; ids derive from the parent, so a re-run sends the same ids. */
  private out(
    msg: Envelope,
    ts: number,
    n: string,
    type: string,
    id: string,
    method: string,
    args: unknown[],
    due?: number,
  ): Buffer {
    const out: Envelope = {
      v: ENVELOPE_VERSION,
      id: `${msg.id}.${n}`,
      type,
      actor: id,
      method,
      args,
      sentAt: ts,
      sender: this.actor.akey,
    };
    if (due !== undefined && due > ts) out.due = due;
    // the turn's span context, explicitly: the handler (and its active context) may be gone by now
    if (this.trace) {
      this.tc ??= carrierOf(this.trace);
      if (this.tc) out.tc = this.tc;
    }
    return encodeEnvelope(out);
  }

  /**
   * Applies a handler's success to the item. Effects that cannot be encoded (or an index function
   * that throws) leave the item and the actor's seq as they were, and the error goes on.
   */
  private succeed(msg: Envelope, bytes: Buffer, value: unknown): void {
    const { actor, item } = this;
    const seq = actor.seq;
    const segs = item.segments.length;
    const sends = item.sends.length;
    const timers = item.timers.length;
    const repeats = item.repeats.length;
    const replies = item.replies.length;
    try {
      this.record(msg, bytes, value, segs);
    } catch (err) {
      actor.seq = seq;
      item.segments.length = segs;
      item.sends.length = sends;
      item.timers.length = timers;
      item.repeats.length = repeats;
      item.replies.length = replies;
      throw err;
    }
  }

  /** Writes the turn's effects into the item; `segs` is where this turn's segments start. */
  private record(msg: Envelope, bytes: Buffer, value: unknown, segs: number): void {
    const { actor, item, env } = this;
    const effects = actor.state.effects!;
    const ts = env.now();
    // a destroyed actor starts afresh: its new segments count from 1
    if (effects.destroyed) actor.seq = 0;
    for (const seg of effects.segments) item.segments.push(encodeSegment(++actor.seq, ts, seg));
    for (let n = 0; n < effects.sends.length; n++) {
      const s = effects.sends[n]!;
      item.sends.push([
        env.placement().partitionOf(s.type, s.id),
        `${s.type}/${s.id}`,
        this.out(msg, ts, String(n), s.type, s.id, s.method, s.args),
      ]);
    }
    for (let n = 0; n < effects.timers.length; n++) {
      const t = effects.timers[n]!;
      const due = ts + t.delayMs;
      item.timers.push([
        due,
        this.out(msg, ts, `t${n}`, actor.entry.type, actor.state.id, t.method, t.args, due),
      ]);
    }
    // a firing's next one first: a repeat or cancel of its name in this turn then overrides it
    this.fired(msg, bytes, ts);
    if (effects.repeats.length > 0) item.repeats.push(...repeatOps(this.owner(), effects.repeats, ts));
    const listed = !effects.destroyed || effects.segments.length > 0;
    const encodings = listed ? indexEncodings(actor.entry, actor.state.context) : this.encodings;
    if (msg.replyTo && msg.corr)
      item.replies.push([msg.replyTo, encodeReply({ corr: msg.corr, ok: true, value })]);
    // nothing below throws
    if (effects.destroyed) {
      // what earlier turns of the batch appended dies with the actor
      item.segments.splice(0, segs);
      item.dir = 2;
      item.fresh = 1;
    }
    this.listed = listed;
    this.encodings = encodings;
    this.touched = true;
  }

  /**
   * The item as it leaves: with the directory and index op its turns call for. An actor already
   * listed as it would be now (as far as this worker knows) costs the commit nothing more.
   */
  private end(): CommitItem {
    const { actor, item } = this;
    if (!this.touched) return item;
    const names = actor.entry.indexes;
    // the common case, a type without indexes already listed, costs no allocation
    if (names.length === 0 && this.listed && item.dir === 0 && actor.listed) return item;
    const fields: CommitItem['fields'] = names.map((f, i) => [
      f.name,
      (this.listed && this.encodings[i]) || NONE,
    ]);
    if (this.listed) {
      if (item.dir === 0 && actor.listed?.equals(indexRecord(fields))) return item;
      item.dir |= 1;
    }
    item.fields = fields;
    return item;
  }

  /** Returns true when the batch must stop here (the actor is parked for a retry). */
  private fail(msg: Envelope, bytes: Buffer, index: number, before: unknown, err: unknown): boolean {
    const { actor, item, env } = this;
    actor.state.context = before;
    env.onHandlerError?.(actor.akey, msg, err);
    const attempt = priorFailures(this.attempts, msg.id) + 1;
    const policy = actor.entry.retryFor(msg.method);
    if (isRetryable(err) && attempt < policy.attempts) {
      this.ended(msg, 'retry', err, attempt);
      item.handled = index;
      item.retryAt = env.now() + backoff(policy, attempt);
      item.retryRecord = `${msg.id} ${attempt}`;
      return true;
    }
    this.ended(msg, 'failed', err, attempt);
    item.failed++;
    const info = errorInfo(err);
    const pause = actor.entry.pauseOnDeadLetter;
    // the original bytes, so a retry from the dead letters sends exactly what was sent
    item.dead.push([
      'handler-error',
      info.stack ?? `${info.name}: ${info.message}`,
      attempt,
      bytes,
      pause ? 1 : 0,
    ]);
    this.answer(msg, info);
    // a held firing is not done yet: its retry (or purge) decides
    if (!pause) this.fired(msg, bytes, env.now());
    if (!pause) return false;
    item.handled = index;
    item.retryAt = -1;
    item.retryRecord = `${msg.id} ${attempt}`;
    return true;
  }

  private ended(msg: Envelope, outcome: TurnOutcome, err?: unknown, attempt?: number): void {
    const ms = performance.now() - this.startedAt;
    this.env.turnTimes.record(this.actor.entry.type, ms);
    this.env.observer?.turnEnded?.(this.actor.entry.type, msg.method, ms, outcome, this.actor.entry.pool);
    if (this.trace) {
      endTurnSpan(this.trace, outcome, err, attempt);
      this.trace = undefined;
    }
  }

  private settle(msg: Envelope, bytes: Buffer, index: number, before: unknown, outcome: Outcome): boolean {
    const { actor, item } = this;
    let stop: boolean;
    if (outcome.ok) {
      try {
        this.succeed(msg, bytes, outcome.value);
        item.succeeded++;
        this.ended(msg, 'ok');
        stop = false;
      } catch (err) {
        // effects that cannot be encoded (a cyclic value, say) fail this message, not the worker;
        // trying again would fail the same way
        const cause = new NonRetryableError(
          `the turn's effects cannot be encoded: ${errorInfo(err).message}`,
          {
            cause: err,
          },
        );
        stop = this.fail(msg, bytes, index, before, cause);
      }
    } else {
      stop = this.fail(msg, bytes, index, before, outcome.err);
    }
    actor.state.effects = undefined;
    actor.state.abort = undefined;
    return stop;
  }

  step(i: number): CommitItem | Promise<CommitItem> {
    const { actor, item, mail } = this;
    const state = actor.state;
    for (; i < mail.length; i++) {
      const bytes = mail[i]!;
      const prepared = prepare(actor, bytes, this.env.maxMessageBytes, this.env.now, this.attempts);
      if (prepared.kind === 'dead') {
        this.env.observer?.rejected?.(actor.entry.type, prepared.reason);
        this.env.onRejected?.({
          reason: prepared.reason,
          actor: actor.akey,
          messageId: prepared.env?.id,
          error: prepared.error,
        });
        item.failed++;
        item.dead.push([prepared.reason, prepared.error, 1, bytes, 0]);
        if (prepared.env) this.fired(prepared.env, bytes, this.env.now());
        // an asker gets the reason now rather than a timeout
        this.answer(prepared.env, { name: 'DeadLetter', message: `${prepared.reason}: ${prepared.error}` });
        continue;
      }
      const msg = prepared.env;
      const before = state.context;
      state.messageId = msg.id;
      state.effects = { segments: [], sends: [], timers: [], repeats: [], destroyed: false };
      state.abort = undefined;
      const observer = this.env.observer;
      if (observer) {
        const wait = msg.sentAt > 0 ? this.env.now() - msg.sentAt : undefined;
        observer.turnStarted?.(actor.entry.type, msg.method, wait, actor.entry.pool);
      }
      this.startedAt = performance.now();
      this.trace = startTurnSpan(actor.entry.type, state.id, msg.method, msg.id, msg.tc);
      this.tc = undefined;
      let value: unknown;
      try {
        // in the turn's span context, so the handler's own spans and tells nest under it
        value = this.trace
          ? inTurn(this.trace, prepared.fn, actor.instance, msg.args)
          : prepared.fn.apply(actor.instance, msg.args);
      } catch (err) {
        if (this.settle(msg, bytes, i, before, { ok: false, err })) return this.end();
        continue;
      }
      if (isThenable(value)) {
        const index = i;
        // the handler may read this.signal later, while it runs
        const abort = (state.abort ??= new AbortController());
        return withTimeout(value, actor, abort, msg.method).then((outcome) => {
          if (this.settle(msg, bytes, index, before, outcome)) return this.end();
          if (!actor.tainted) return this.step(index + 1);
          // the rest of the mail waits for a fresh instance, out of the abandoned handler's reach
          item.handled = index + 1;
          return this.end();
        });
      }
      this.settle(msg, bytes, i, before, { ok: true, value });
    }
    return this.end();
  }
}
