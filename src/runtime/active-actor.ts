import { binding, type Actor, type ActorBinding } from '../actor/actor.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { foldLog } from '../protocol/log.ts';

/** An actor held in a worker's memory while it is active: its instance and folded context. */
export interface ActiveActor {
  akey: string;
  entry: RegisteredActor;
  instance: Actor;
  state: ActorBinding;
  /** Sequence of the last committed (or appended this batch) segment. */
  seq: number;
  lastUsed: number;
}

/** Builds an active actor from its context log as LRANGE returns it (base first). */
export function activate(entry: RegisteredActor, id: string, log: Uint8Array[], now: number): ActiveActor {
  const instance = new entry.cls() as Actor;
  const apply = (ctx: unknown, seg: unknown): unknown => instance.apply(ctx, seg);
  const { ctx, seq } = foldLog(log, () => instance.initial(), apply);
  const state: ActorBinding = { id, context: ctx, messageId: '', effects: undefined, apply };
  instance[binding] = state;
  return { akey: `${entry.type}/${id}`, entry, instance, state, seq, lastUsed: now };
}
