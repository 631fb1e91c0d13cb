import type { Actor } from '../actor/actor.ts';
import { binding, type ActorBinding } from '../actor/binding.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { foldLog, joinLog, type StoredLog } from '../protocol/log.ts';

/** An actor held in a worker's memory while it is active: its instance and folded context. */
export interface ActiveActor {
  akey: string;
  entry: RegisteredActor;
  instance: Actor;
  state: ActorBinding;
  /** Sequence of the last committed (or appended this batch) segment. */
  seq: number;
  lastUsed: number;
  /** A batch of its turns is running or committing: the idle sweep leaves it alone. */
  busy: boolean;
  /** Ends the async turn running now with an error (an operator's abort); unset otherwise. */
  cancel: ((err: unknown) => void) | undefined;
  /**
   * A handler of this instance outlived its turn (timed out or aborted) and may still call
   * `append` or `send`, which would land in a later turn: the instance is dropped once its batch
   * commits, and the next message activates a fresh one.
   */
  tainted: boolean;
  /** Segments and bytes in the Redis log beyond the base, as far as this worker knows. */
  logSegments: number;
  logBytes: number;
  /**
   * Where its log is, as far as this worker knows: `none` (nothing committed yet), `stowed` (all of
   * it in its log bucket) or `list` (some of it in a key of its own, to be stowed when idle).
   */
  logAt: 'none' | 'stowed' | 'list';
  /** Its directory record as this worker last committed it (undefined: not known to be listed). */
  listed: Buffer | undefined;
}

const EMPTY_RECORD = Buffer.alloc(0);

/** Whether the actor's log has grown past its type's merge policy. */
export function needsMerge(actor: ActiveActor): boolean {
  const m = actor.entry.merge;
  return (m.segments > 0 && actor.logSegments >= m.segments) || (m.bytes > 0 && actor.logBytes >= m.bytes);
}

/**
 * Builds an active actor from its context log as Redis holds it: the entries stowed in its log
 * bucket, then its list. Throws (a ProtocolError) when the log cannot be read.
 */
export function activate(entry: RegisteredActor, id: string, stored: StoredLog, now: number): ActiveActor {
  const log = joinLog(stored);
  const instance = new entry.cls() as Actor;
  const apply = (ctx: unknown, seg: unknown): unknown => instance.apply(ctx, seg);
  const { ctx, seq } = foldLog(log, () => instance.initial(), apply);
  const state: ActorBinding = {
    id,
    context: ctx,
    messageId: '',
    effects: undefined,
    abort: undefined,
    apply,
  };
  instance[binding] = state;
  let logBytes = 0;
  for (let i = 1; i < log.length; i++) logBytes += log[i]!.length;
  return {
    akey: `${entry.type}/${id}`,
    entry,
    instance,
    state,
    seq,
    lastUsed: now,
    busy: false,
    cancel: undefined,
    tainted: false,
    logSegments: Math.max(0, log.length - 1),
    logBytes,
    logAt: log.length === 0 ? 'none' : stored.list.length === 0 ? 'stowed' : 'list',
    // an actor with a log is listed (layout 5): without indexes, its record is empty
    listed: log.length > 0 && entry.indexes.length === 0 ? EMPTY_RECORD : undefined,
  };
}
