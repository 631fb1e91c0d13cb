/**
 * Actor classes the benchmarks run. Kept tiny and checkable: every scenario knows what the folded
 * context must be, and fails when it is not.
 */
import { Actor } from '../src/index.ts';

export type CounterCtx = { count: number };
export type CounterSeg = { added: number };

/** The design's Counter: one segment `{ added }` per message, context `{ count }`. */
export class BenchCounter extends Actor<CounterCtx, CounterSeg> {
  static override type = 'bench-counter';

  initial(): CounterCtx {
    return { count: 0 };
  }

  apply(ctx: CounterCtx, seg: CounterSeg): CounterCtx {
    return { count: ctx.count + seg.added };
  }

  add(n: number): void {
    this.append({ added: n });
  }

  value(): number {
    return this.context.count;
  }
}
