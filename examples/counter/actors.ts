import { Actor } from 'troupe';

/** The context: the state of one counter. */
export type CounterCtx = { count: number };
/** A segment: one append to a counter's context log. */
export type CounterSeg = { added: number };

/**
 * A counter. Its context is never read-modify-written: each `add` appends a small segment, and the
 * context is the fold of those segments with `apply`.
 */
export class Counter extends Actor<CounterCtx, CounterSeg> {
  static override type = 'counter';

  initial(): CounterCtx {
    return { count: 0 };
  }

  apply(ctx: CounterCtx, seg: CounterSeg): CounterCtx {
    return { count: ctx.count + seg.added };
  }

  /** A handler that changes the context: it appends a segment. */
  add(n: number): void {
    this.append({ added: n });
  }

  /** A handler that answers `ask` with its return value. */
  value(): number {
    return this.context.count;
  }
}
