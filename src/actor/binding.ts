/**
 * What the runtime binds to an actor instance for one turn, and what the Actor helpers (append,
 * send, schedule, repeat, destroy) record into it. Internal: not exported from the package.
 */
import type { RepeatRule } from './repeat-rule.ts';

/** What a handler did during one turn; filled by the Actor helpers, read by the runtime. */
export interface TurnEffects {
  segments: unknown[];
  sends: { type: string; id: string; method: string; args: unknown[] }[];
  timers: { delayMs: number; method: string; args: unknown[] }[];
  /** `this.repeat` and `this.cancel`, in call order; the last one per name wins. */
  repeats: RepeatEffect[];
  /** `this.destroy()` was called: the commit deletes the actor's state first. */
  destroyed: boolean;
}

/** A `this.repeat(name, rule, method, ...args)` or a `this.cancel(name)`. */
export type RepeatEffect =
  | { op: 'set'; name: string; rule: RepeatRule; method: string; args: unknown[] }
  | { op: 'cancel'; name: string };

/** Runtime state bound to an actor instance. Internal: not exported from the package. */
export interface ActorBinding {
  id: string;
  context: unknown;
  messageId: string;
  effects: TurnEffects | undefined;
  /** The turn's abort controller, made on first use: most turns never look at `this.signal`. */
  abort: AbortController | undefined;
  apply: (ctx: unknown, seg: unknown) => unknown;
}

export const binding = Symbol('troupe.binding');
