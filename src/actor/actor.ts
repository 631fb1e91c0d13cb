import { ConfigError, TroupeError } from '../errors.ts';
import type { StandardSchemaV1 } from './schema.ts';
import { checkRepeatName, checkRepeatRule, type RepeatRule } from './repeat-rule.ts';
import type { RateLimit } from './flow-limits.ts';
import { binding, type ActorBinding, type TurnEffects } from './binding.ts';
import type { IndexDefinitions, MergePolicy, RetryPolicy } from './policies.ts';

// The typing of handlers. Beside the class rather than in types.ts: the class's send() and ref()
// use it, and it uses the class's own keys, so two files would import each other.

/** Names on the Actor base class that are never message handlers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BaseKeys = keyof Actor<any, any>;

/** The handler names of an actor: its public methods, minus those of the base class. */
export type MethodName<A> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof A]: K extends BaseKeys ? never : A[K] extends (...args: any[]) => unknown ? K : never;
}[keyof A] &
  string;

/** The argument list of handler `M` of actor `A`. */
export type MethodArgs<A, M extends MethodName<A>> = A[M] extends (...args: infer P) => unknown ? P : never;

/** What `ask` resolves to for handler `M` of actor `A`. */
export type MethodResult<A, M extends MethodName<A>> = A[M] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;

/**
 * The address of an actor: enough for `this.send` inside a handler. Refs from `troupe.ref` add
 * `tell`, `ask` and `read`.
 */
export interface Address<A = unknown> {
  readonly type: string;
  readonly id: string;
  /** Phantom: carries the actor type for the compiler only. */
  readonly __actor?: A;
}

/**
 * The base class of every actor. `C` is the context (state) type, `S` the segment type appended to
 * the context log. Public methods of a subclass are its message handlers.
 *
 * @example
 * ```ts
 * class Counter extends Actor<{ count: number }, { added: number }> {
 *   static type = 'counter';
 *   initial() { return { count: 0 }; }
 *   apply(ctx: { count: number }, seg: { added: number }) { return { count: ctx.count + seg.added }; }
 *   add(n: number): void { this.append({ added: n }); }
 *   value(): number { return this.context.count; }
 * }
 * ```
 */
export abstract class Actor<C = unknown, S = unknown> {
  /** The actor type name; defaults to the class name. Fixed once messages exist. */
  static type?: string;

  /**
   * When to fold the context log into a new base, and how much merged history to keep for
   * `read({ at })`. Defaults: 256 segments or 64 KiB, no retention.
   *
   * @example
   * ```ts
   * class Ledger extends Actor<Ctx, Seg> {
   *   static override merge = { segments: 1000, retainMs: 24 * 3600_000 };
   * }
   * ```
   */
  static merge?: MergePolicy;

  /**
   * How failing handlers are retried (exponential backoff with jitter) before their message is
   * dead-lettered. While a message waits for its retry the actor handles nothing else, so mailbox
   * order holds. Throw `NonRetryableError` to skip the retries.
   *
   * @example
   * ```ts
   * static override retry = { attempts: 5, backoffMs: 200, methods: { notify: { attempts: 1 } } };
   * ```
   */
  static retry?: RetryPolicy;

  /**
   * Longest a handler may run, in ms (default 30 000). Past it the turn fails like an error and
   * `this.signal` is aborted, so handlers can stop work they started.
   */
  static timeoutMs?: number;

  /**
   * Time to live of this type's messages, in ms (default: none). A message whose first turn has
   * not started this long after it was sent (a delayed one: after it fell due) is dead-lettered
   * with reason `expired` and never applied; an `ask` for it rejects at once. A backlog or a paused
   * type expires messages instead of running them late. A sender may set its own per message
   * (`troupe.ref(Payment, id, { messageTtlMs })`, the envelope's `ttl`), which wins over this.
   * Ages are measured on the worker's clock against the sender's `sentAt`: keep clocks in sync.
   *
   * @example
   * ```ts
   * class Payment extends Actor<Ctx, Seg> {
   *   static override messageTtlMs = 60_000; // a payment not started within a minute is dropped
   * }
   * ```
   */
  static messageTtlMs?: number;

  /**
   * The pool this type's actors live in (default `'default'`). Each pool has partitions of its own,
   * and a worker serves only the pools it is given (`work({ pools })`, `--pools`), or else the
   * pools of the classes it loaded: dedicated workers for a critical path, so a backlog of batch
   * work cannot delay it. Fixed once the type has actors: moving it is `troupe migrate`'s.
   *
   * @example
   * ```ts
   * class Payment extends Actor<Ctx, Seg> {
   *   static override pool = 'critical'; // served by `troupe worker --pools critical`
   * }
   * ```
   */
  static pool?: string;

  /**
   * What a message's last failed attempt does to its actor. `'continue'` (default): it goes to the
   * dead letters and the mailbox moves on. `'pause'`: it goes to the dead letters marked held, stays
   * at the head of the mailbox, and the actor handles nothing until an operator retries or purges
   * that dead letter — strict order, at the price of a stopped actor.
   */
  static onDeadLetter?: 'continue' | 'pause';

  /**
   * At most this many turns of this type run at once, across every worker and every shard (a
   * counter in Redis, taken before a batch runs and given back when its turns end; a crashed
   * worker's slots come back within its lease). Other types are not slowed. Overridable per worker
   * with `troupe.work({ limits: { <type>: { concurrency } } })`. See docs/flow-control.md.
   *
   * @example
   * ```ts
   * static override concurrency = 3; // the payment provider takes 3 calls at once
   * ```
   */
  static concurrency?: number;

  /**
   * At most `turns` turns of this type start in any window of `perMs`, across every worker and
   * every shard (the starts of the last window are kept in Redis, on its clock).
   *
   * @example
   * ```ts
   * static override rateLimit = { turns: 20, perMs: 1000 };
   * ```
   */
  static rateLimit?: RateLimit;

  /**
   * Optional argument schemas per handler, with any Standard Schema library (zod, valibot, …),
   * each describing the argument list as a tuple. Messages whose arguments fail are dead-lettered
   * with the issues (reason `invalid-args`); a client that has the class rejects them before
   * sending.
   *
   * @example
   * ```ts
   * static override schemas = { add: z.tuple([z.number().int().positive()]) };
   * ```
   */
  static schemas?: Record<string, StandardSchemaV1>;

  /**
   * Secondary indexes: per field, a function of the context after a turn. Each value is written in
   * the same commit as the turn's segments, so `troupe.actors(Type).ids({ where })` never returns
   * an actor for a value it did not commit. Values are strings, numbers or booleans; `undefined` or
   * `null` leaves the actor out of that index. After changing them, run `troupe reindex <type>`.
   *
   * @example
   * ```ts
   * class Order extends Actor<Ctx, Seg> {
   *   static override indexes = { status: (ctx: Ctx) => ctx.status, total: (ctx: Ctx) => ctx.total };
   * }
   * const late = await troupe.actors(Order).count({ where: { status: 'late' } });
   * ```
   */
  static indexes?: IndexDefinitions;

  declare [binding]: ActorBinding;

  /** The context before any segment was appended. */
  abstract initial(): C;

  /**
   * Folds one segment into the context. Must be pure and deterministic, and must return a new
   * object rather than change `ctx`: Troupe keeps the old context to roll back a failed turn.
   */
  abstract apply(ctx: C, seg: S): C;

  private get state(): ActorBinding {
    const b = this[binding];
    if (!b) {
      throw new TroupeError(
        'this actor is not running inside Troupe: use troupe.ref(...).tell/ask, not new on the class',
      );
    }
    return b;
  }

  /** The actor id (the second half of its address). */
  get id(): string {
    return this.state.id;
  }

  /** The context: base, every committed segment, and the segments appended so far in this turn. */
  get context(): C {
    return this.state.context as C;
  }

  /** The id of the message being handled: an idempotency key for side effects outside Redis. */
  get messageId(): string {
    return this.state.messageId;
  }

  /** Aborted when the turn runs past the type's `timeoutMs`: pass it to fetch and the like. */
  get signal(): AbortSignal {
    const state = this.state;
    if (!state.effects) return new AbortController().signal;
    state.abort ??= new AbortController();
    return state.abort.signal;
  }

  /**
   * A durable timer to this actor: `method(...args)` arrives in its mailbox after `delayMs`,
   * committed atomically with this turn, so it survives crashes and partition moves. (The method
   * name is a string: TypeScript cannot resolve a class's own handlers from inside it. A name that
   * is not a handler is dead-lettered when the timer fires.)
   *
   * @example
   * ```ts
   * this.schedule(60_000, 'expire', orderId);
   * ```
   */
  protected schedule(delayMs: number, method: string, ...args: unknown[]): void {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new ConfigError(`schedule: delayMs must be a number >= 0; got ${delayMs}`);
    }
    this.turn(this.state).timers.push({ delayMs, method, args });
  }

  /**
   * A durable, named, recurring timer: `method(...args)` arrives in this actor's mailbox every
   * `everyMs`, or at the times of a cron rule in a time zone (`tz`, default UTC), committed with
   * this turn (a turn that throws sets nothing). A repeat of a name replaces it. Each firing is a
   * normal turn (retries, dead letters), and the next firing is scheduled when it commits, so a
   * slow or failing handler never makes firings pile up; after downtime a missed firing comes once,
   * not once per period missed. It keeps firing through worker crashes, restarts and partition
   * moves, until `cancel(name)`. See docs/schedules.md.
   *
   * @example
   * ```ts
   * start() {
   *   this.repeat('tick', { everyMs: 60_000 }, 'tick');
   *   this.repeat('nightly', { cron: '0 3 * * *', tz: 'Europe/Paris' }, 'compact');
   * }
   * ```
   */
  protected repeat(name: string, rule: RepeatRule, method: string, ...args: unknown[]): void {
    checkRepeatName(name, 'repeat');
    const checked = checkRepeatRule(rule);
    if (typeof method !== 'string' || method === '') {
      throw new ConfigError(`repeat: method must be the name of a handler; got ${String(method)}`);
    }
    this.turn(this.state).repeats.push({ op: 'set', name, rule: checked, method, args });
  }

  /**
   * Stops the repeat named `name` (committed with this turn; a firing already in the mailbox still
   * runs, and schedules no next one). Cancelling a name that is not set does nothing.
   *
   * @example
   * ```ts
   * stop() { this.cancel('tick'); }
   * ```
   */
  protected cancel(name: string): void {
    checkRepeatName(name, 'cancel');
    this.turn(this.state).repeats.push({ op: 'cancel', name });
  }

  /** Appends a segment to the context log; `this.context` reflects it at once, Redis at commit. */
  protected append(seg: S): void {
    const state = this.state;
    const effects = this.turn(state);
    effects.segments.push(seg);
    state.context = state.apply(state.context, seg);
  }

  /**
   * Deletes the actor at this turn's commit: its context log, retained history and index entries,
   * and its place in `troupe.actors(Type).ids()`. `this.context` is `initial()` from here on; what
   * the handler appends after the call, and later messages, start the actor afresh. The turn's
   * sends, timers and reply are committed as usual; mail still waiting is handled as usual.
   *
   * @example
   * ```ts
   * close(): void { this.destroy(); }
   * ```
   */
  protected destroy(): void {
    const state = this.state;
    const effects = this.turn(state);
    effects.destroyed = true;
    effects.segments.length = 0;
    state.context = this.initial();
  }

  /**
   * Sends a message to another actor (or this one), delivered atomically with this turn's commit.
   *
   * @example
   * ```ts
   * this.send(this.ref(Aggregator, token), 'part', 'a', result);
   * ```
   */
  protected send<T, M extends MethodName<T>>(to: Address<T>, method: M, ...args: MethodArgs<T, M>): void {
    this.turn(this.state).sends.push({ type: to.type, id: to.id, method, args });
  }

  /** The address of another actor, for `this.send`. */
  protected ref<T extends Actor<any, any>>(cls: (new () => T) & { type?: string }, id: string): Address<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  protected ref<T = unknown>(type: string, id: string): Address<T>;
  protected ref(clsOrType: string | ((new () => Actor) & { type?: string }), id: string): Address {
    return { type: typeof clsOrType === 'string' ? clsOrType : actorTypeName(clsOrType), id };
  }

  private turn(state: ActorBinding): TurnEffects {
    if (!state.effects) {
      throw new TroupeError(
        'append/send/destroy can only be called while a handler runs (not after it returned)',
      );
    }
    return state.effects;
  }
}

/** The type name of an actor class: its `static type`, else its class name. */
export function actorTypeName(cls: { type?: string; name: string }): string {
  const name = cls.type ?? cls.name;
  if (!name) throw new ConfigError('an actor class needs a name or a `static type`');
  return name;
}
