import type { Schedule } from '../protocol/repeat-record.ts';
import type { ContextOf, MethodArgs, MethodName, MethodResult } from '../actor/types.ts';

/** Options for one ref. */
export interface RefOptions {
  /** How long `ask` waits for a reply before rejecting with a TimeoutError (default: the connect option). */
  askTimeoutMs?: number;
  /**
   * Time to live of every message sent through this ref, in ms: one not started this long after
   * it was sent (tellLater: after it fell due) is dead-lettered as `expired` and never applied, and
   * an `ask` for it rejects at once. Overrides the class's `static messageTtlMs`.
   *
   * @example
   * ```ts
   * await troupe.ref(Notifier, 'n-1', { messageTtlMs: 5_000 }).tell('push', 'Your code is 1234');
   * ```
   */
  messageTtlMs?: number;
}

/**
 * A handle on one actor, from `troupe.ref(...)`. Method names, arguments and results are checked
 * by the compiler against the actor class. Refs are cheap (build one per message if that reads
 * best); their methods live on a prototype, so call them on the ref, or bind one before passing it
 * around (`const tell = ref.tell.bind(ref)`).
 *
 * @example
 * ```ts
 * const c = troupe.ref(Counter, 'c-1');
 * await c.tell('add', 5);
 * const n: number = await c.ask('value');
 * const ctx = await c.read();
 * ```
 */
export interface ActorRef<A> {
  readonly type: string;
  readonly id: string;
  /** Phantom: carries the actor type for the compiler only. */
  readonly __actor?: A;
  /** Sends a message; resolves once it is durably in the actor's mailbox. */
  tell<M extends MethodName<A>>(method: M, ...args: MethodArgs<A, M>): Promise<void>;
  /**
   * Sends a message under a message id you choose (an event id, say), accepted once: a repeat of
   * the id within `dedupeMs` of the first (default 24 h) appends nothing. Resolves with true when
   * this send appended the message, false when the id had been accepted already. Safe to retry
   * after a SendError. Ids are scoped to the actor's partition: make them unique per message.
   *
   * @example
   * ```ts
   * const fresh = await troupe.ref(Order, 'o-1').tellOnce({ id: event.id }, 'paid', event.amount);
   * ```
   */
  tellOnce<M extends MethodName<A>>(
    once: TellOnceOptions,
    method: M,
    ...args: MethodArgs<A, M>
  ): Promise<boolean>;
  /**
   * Sends a message to be delivered after `delayMs`; resolves once it is durably stored. The
   * partition's worker delivers it when due, even if workers crash or move in between.
   *
   * @example
   * ```ts
   * await troupe.ref(Order, 'o-1').tellLater(15 * 60_000, 'expire');
   * ```
   */
  tellLater<M extends MethodName<A>>(delayMs: number, method: M, ...args: MethodArgs<A, M>): Promise<void>;
  /** Sends a message and resolves with the handler's return value (rejects with TimeoutError or HandlerError). */
  ask<M extends MethodName<A>>(method: M, ...args: MethodArgs<A, M>): Promise<MethodResult<A, M>>;
  /**
   * The latest committed context, folded from Redis without a turn; with `at`, the context as of
   * that time (the base plus every segment stamped at or before it). Looking back past the last
   * merge needs the type's `static merge.retainMs`. Needs the class in `connect({ actors })`.
   *
   * @example
   * ```ts
   * const now = await c.read();
   * const anHourAgo = await c.read({ at: Date.now() - 3_600_000 });
   * ```
   */
  read(options?: ReadOptions): Promise<ContextOf<A>>;
  /**
   * The actor's repeats (`this.repeat`), soonest first: name, when it fires next, rule and method.
   * Read from Redis without a turn.
   *
   * @example
   * ```ts
   * for (const s of await troupe.ref(Report, 'daily').schedules()) {
   *   console.log(s.name, new Date(s.next).toISOString(), s.rule);
   * }
   * ```
   */
  schedules(): Promise<Schedule[]>;
}

/** Options of `ref.tellOnce()`. */
export interface TellOnceOptions {
  /** The message id: non-empty, at most 200 characters, no NUL. */
  id: string;
  /** How long a repeat of the id is dropped, in ms (default 86 400 000: a day). */
  dedupeMs?: number;
}

/** Options of `ref.read()`. */
export interface ReadOptions {
  /** A time in ms since the epoch: fold only segments stamped at or before it. */
  at?: number;
}

/** An actor whose class this process does not have: any method, any arguments. */
export interface UntypedActor {
  [method: string]: (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}
