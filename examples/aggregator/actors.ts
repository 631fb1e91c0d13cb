/**
 * Fan-out / fan-in (a "chord") with actors, without locks and without polling:
 *
 *   Coordinator ──start(token, order)──┬─► Pricing/<token>   ──part(pricing)──┐
 *                                      └─► Inventory/<token> ──part(inventory)┴─► Aggregator/<token> ──► Report
 *
 * The Aggregator for a token is one actor, so one writer: it sees the parts one at a time, in
 * whatever order they arrive, and the turn that brings the last missing part appends the
 * 'complete' segment. Every turn commits atomically with the messages it sends, so the combined
 * result is appended (and reported) exactly once.
 */
import { Actor } from 'troupe';

// ---- the data, and the pure functions that compute each part -----------------------------------

export interface Line {
  sku: string;
  qty: number;
}
export interface Order {
  customer: string;
  lines: Line[];
}

/** The pricing part. */
export interface PriceQuote {
  lines: { sku: string; qty: number; unitCents: number; cents: number }[];
  totalCents: number;
}
/** The inventory part. */
export interface StockCheck {
  short: string[];
}
/** What the aggregator combines the parts into. */
export interface OrderResult {
  customer: string;
  totalCents: number;
  status: 'ready' | 'backorder';
  short: string[];
}

export const CATALOG: Record<string, { unitCents: number; stock: number }> = {
  apple: { unitCents: 45, stock: 100 },
  bread: { unitCents: 320, stock: 12 },
  cheese: { unitCents: 780, stock: 5 },
  dates: { unitCents: 1250, stock: 2 },
  eggs: { unitCents: 299, stock: 30 },
};

export function priceOrder(lines: Line[]): PriceQuote {
  const priced = lines.map(({ sku, qty }) => {
    const unitCents = CATALOG[sku]?.unitCents ?? 0;
    return { sku, qty, unitCents, cents: unitCents * qty };
  });
  return { lines: priced, totalCents: priced.reduce((sum, l) => sum + l.cents, 0) };
}

export function checkStock(lines: Line[]): StockCheck {
  return { short: lines.filter(({ sku, qty }) => qty > (CATALOG[sku]?.stock ?? 0)).map((l) => l.sku) };
}

export function combine(customer: string, price: PriceQuote, stock: StockCheck): OrderResult {
  return {
    customer,
    totalCents: price.totalCents,
    status: stock.short.length === 0 ? 'ready' : 'backorder',
    short: stock.short,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the actors ---------------------------------------------------------------------------------

type CoordinatorCtx = { started: Record<string, string> };
type CoordinatorSeg = { token: string; customer: string };

/** Receives jobs and fans each out once, even if the same `start` is sent twice. */
export class Coordinator extends Actor<CoordinatorCtx, CoordinatorSeg> {
  static override type = 'coordinator';

  initial(): CoordinatorCtx {
    return { started: {} };
  }
  apply(ctx: CoordinatorCtx, seg: CoordinatorSeg): CoordinatorCtx {
    return { started: { ...ctx.started, [seg.token]: seg.customer } };
  }

  /** Starts the job `token`; returns false when it was started before. */
  start(token: string, order: Order): boolean {
    if (token in this.context.started) return false;
    this.append({ token, customer: order.customer });
    // Both sends are delivered atomically with this turn's commit, or not at all.
    this.send(this.ref(Aggregator, token), 'expect', order.customer, ['pricing', 'inventory']);
    this.send(this.ref(Pricing, token), 'quote', order.lines);
    this.send(this.ref(Inventory, token), 'check', order.lines);
    return true;
  }
}

/** Prices the lines of one job (id = the token). Stateless: it appends nothing. */
export class Pricing extends Actor<Record<string, never>, never> {
  static override type = 'pricing';
  initial(): Record<string, never> {
    return {};
  }
  apply(ctx: Record<string, never>): Record<string, never> {
    return ctx;
  }

  async quote(lines: Line[]): Promise<void> {
    await sleep(Math.random() * 20); // stands in for a call to a pricing service
    this.send(this.ref(Aggregator, this.id), 'part', { name: 'pricing', value: priceOrder(lines) });
  }
}

/** Checks stock for one job (id = the token). Stateless: it appends nothing. */
export class Inventory extends Actor<Record<string, never>, never> {
  static override type = 'inventory';
  initial(): Record<string, never> {
    return {};
  }
  apply(ctx: Record<string, never>): Record<string, never> {
    return ctx;
  }

  async check(lines: Line[]): Promise<void> {
    await sleep(Math.random() * 20); // stands in for a call to a warehouse system
    this.send(this.ref(Aggregator, this.id), 'part', { name: 'inventory', value: checkStock(lines) });
  }
}

export type Part = { name: 'pricing'; value: PriceQuote } | { name: 'inventory'; value: StockCheck };
export type PartName = Part['name'];

export type AggregatorCtx = {
  customer: string | null;
  expected: PartName[] | null;
  parts: { pricing: PriceQuote | null; inventory: StockCheck | null };
  /** Part names in the order they arrived. */
  arrived: PartName[];
  result: OrderResult | null;
  /** How many 'complete' segments the log holds: 1 once done, never more. */
  completions: number;
};
type AggregatorSeg =
  | { kind: 'expect'; customer: string; parts: PartName[] }
  | { kind: 'part'; part: Part }
  | { kind: 'complete'; result: OrderResult };

/** Collects the parts of one job (id = the token) and completes it exactly once. */
export class Aggregator extends Actor<AggregatorCtx, AggregatorSeg> {
  static override type = 'aggregator';

  initial(): AggregatorCtx {
    return {
      customer: null,
      expected: null,
      parts: { pricing: null, inventory: null },
      arrived: [],
      result: null,
      completions: 0,
    };
  }

  apply(ctx: AggregatorCtx, seg: AggregatorSeg): AggregatorCtx {
    switch (seg.kind) {
      case 'expect':
        return { ...ctx, customer: seg.customer, expected: seg.parts };
      case 'part':
        return {
          ...ctx,
          parts: { ...ctx.parts, [seg.part.name]: seg.part.value },
          arrived: [...ctx.arrived, seg.part.name],
        };
      case 'complete':
        return { ...ctx, result: seg.result, completions: ctx.completions + 1 };
    }
  }

  /** What to wait for. It may arrive before or after the parts; either way works. */
  expect(customer: string, parts: PartName[]): void {
    if (this.context.expected) return;
    this.append({ kind: 'expect', customer, parts });
    this.completeIfReady();
  }

  /** One part of the result. A repeated part is ignored. */
  part(part: Part): void {
    if (this.context.parts[part.name] !== null) return;
    this.append({ kind: 'part', part });
    this.completeIfReady();
  }

  /** The combined result, or null while parts are missing. */
  result(): OrderResult | null {
    return this.context.result;
  }

  private completeIfReady(): void {
    const { expected, parts, result, customer } = this.context;
    if (result || !expected || customer === null) return;
    if (!expected.every((name) => parts[name] !== null)) return;
    if (!parts.pricing || !parts.inventory) return;
    const combined = combine(customer, parts.pricing, parts.inventory);
    this.append({ kind: 'complete', result: combined });
    this.send(this.ref(Report, 'orders'), 'record', this.id, combined);
  }
}

type ReportCtx = { orders: number; totalCents: number; byToken: Record<string, number> };
type ReportSeg = { token: string; totalCents: number };

/** Sums the completed jobs. `byToken` counts completions per token, to show each arrives once. */
export class Report extends Actor<ReportCtx, ReportSeg> {
  static override type = 'report';
  initial(): ReportCtx {
    return { orders: 0, totalCents: 0, byToken: {} };
  }
  apply(ctx: ReportCtx, seg: ReportSeg): ReportCtx {
    return {
      orders: ctx.orders + 1,
      totalCents: ctx.totalCents + seg.totalCents,
      byToken: { ...ctx.byToken, [seg.token]: (ctx.byToken[seg.token] ?? 0) + 1 },
    };
  }
  record(token: string, result: OrderResult): void {
    this.append({ token, totalCents: result.totalCents });
  }
}
