import { Actor } from 'troupe';

export type OrderCtx = { status: 'open' | 'late' | 'paid'; total: number; region?: string };
export type OrderSeg = Partial<OrderCtx>;

/** An order whose status, total and region are secondary indexes, committed with each turn. */
export class Order extends Actor<OrderCtx, OrderSeg> {
  static override type = 'order';
  static override indexes = {
    status: (ctx: OrderCtx) => ctx.status,
    total: (ctx: OrderCtx) => ctx.total,
    region: (ctx: OrderCtx) => ctx.region,
  };
  initial(): OrderCtx {
    return { status: 'open', total: 0 };
  }
  apply(ctx: OrderCtx, seg: OrderSeg): OrderCtx {
    return { ...ctx, ...seg };
  }
  place(total: number, region: string): void {
    this.append({ total, region });
  }
  markLate(): void {
    if (this.context.status === 'open') this.append({ status: 'late' });
  }
  pay(): void {
    this.append({ status: 'paid' });
  }
  summary(): OrderCtx {
    return this.context;
  }
  /** Deletes the order at this turn's commit: context, log and index entries. */
  close(): void {
    this.destroy();
  }
}
