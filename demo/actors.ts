import { Actor } from 'troupe';

/** What one Tally has seen: how many messages, their sum, and the last sequence number per sender. */
export type TallyCtx = { count: number; sum: number; last: Record<string, number>; outOfOrder: number };
/** One recorded message: sender, its per-(sender, actor) sequence number, a value. */
export type TallySeg = { s: string; q: number; v: number };

/**
 * The demo's actor. Each message appends one segment; `outOfOrder` counts segments whose sequence
 * number is not the sender's previous one plus one, so a lost, repeated or reordered message shows.
 */
export class Tally extends Actor<TallyCtx, TallySeg> {
  static override type = 'tally';

  initial(): TallyCtx {
    return { count: 0, sum: 0, last: {}, outOfOrder: 0 };
  }

  apply(ctx: TallyCtx, seg: TallySeg): TallyCtx {
    const prev = ctx.last[seg.s] ?? 0;
    return {
      count: ctx.count + 1,
      sum: ctx.sum + seg.v,
      last: { ...ctx.last, [seg.s]: seg.q },
      outOfOrder: ctx.outOfOrder + (seg.q === prev + 1 ? 0 : 1),
    };
  }

  record(sender: string, seq: number, value: number): void {
    this.append({ s: sender, q: seq, v: value });
  }
}
