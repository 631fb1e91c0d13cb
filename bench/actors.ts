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

/**
 * Send times seen by `BenchCounter.addStamped`, per actor id, oldest first. The latency scenario's
 * worker process takes them off as the `committed` event reports each actor's messages durable.
 * A handler with a side effect is fine here: the bench has one worker and no failures, so every
 * handler runs exactly once.
 */
export const stamped = new Map<string, number[]>();

export class BenchTimedCounter extends BenchCounter {
  static override type = 'bench-timed';

  /** `t`: the sender's high-resolution clock at send, in ms. */
  addStamped(n: number, t: number): void {
    this.append({ added: n });
    let queue = stamped.get(this.id);
    if (!queue) stamped.set(this.id, (queue = []));
    queue.push(t);
  }
}

export type OrderCtx = { status: string; total: number };

/** Orders without indexes: the baseline for what an index adds to a commit. */
export class BenchPlainOrder extends Actor<OrderCtx, Partial<OrderCtx>> {
  static override type = 'bench-plain-order';
  initial(): OrderCtx {
    return { status: '', total: 0 };
  }
  apply(ctx: OrderCtx, seg: Partial<OrderCtx>): OrderCtx {
    return { ...ctx, ...seg };
  }
  set(status: string, total: number): void {
    this.append({ status, total });
  }
}

/** The same orders with two secondary indexes, a string and a number. */
export class BenchOrder extends BenchPlainOrder {
  static override type = 'bench-order';
  static override indexes = { status: (ctx: OrderCtx) => ctx.status, total: (ctx: OrderCtx) => ctx.total };
}
