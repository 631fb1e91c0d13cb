/**
 * The chaos run's actor. Every `record(sender, seq)` appends one segment; the context keeps, per
 * sender, the applied sequence numbers in the order they were applied, run-length encoded
 * (`[from, to]` runs of consecutive numbers), so the checker can see exactly what was applied:
 * a missing number, a number applied twice, or a number applied after a larger one.
 */
import { Actor, NonRetryableError } from '../src/index.ts';

/** Per sender: the applied sequence numbers in apply order, as runs `[from, to]` (inclusive). */
export type ChaosCtx = { count: number; runs: Record<string, [number, number][]> };
export type ChaosSeg = { s: string; q: number };

export class ChaosLedger extends Actor<ChaosCtx, ChaosSeg> {
  static override type = 'chaos-ledger';
  // merge often, so merges run beside appends, takeovers and restarts
  static override merge = { segments: 64, bytes: 0, retainMs: 0 };
  // poison is dead-lettered at once; other failures would be retried briefly
  static override retry = { attempts: 3, backoffMs: 50 };

  initial(): ChaosCtx {
    return { count: 0, runs: {} };
  }

  apply(ctx: ChaosCtx, seg: ChaosSeg): ChaosCtx {
    const runs = ctx.runs[seg.s] ?? [];
    const last = runs[runs.length - 1];
    const next: [number, number][] =
      last && seg.q === last[1] + 1 ? [...runs.slice(0, -1), [last[0], seg.q]] : [...runs, [seg.q, seg.q]];
    return { count: ctx.count + 1, runs: { ...ctx.runs, [seg.s]: next } };
  }

  /**
   * Records (sender, seq); with `forwardTo` (an actor's index, as the load sends it), also sends
   * the record on to that actor, whose partition (and pool) is another: it books it as sender
   * `<sender>><this actor>`. So every applied record is sent between actors exactly once too.
   */
  record(sender: string, seq: number, forwardTo = -1): void {
    this.append({ s: sender, q: seq });
    if (forwardTo >= 0) {
      this.send(
        this.ref(ledgerOf(forwardTo), `a${forwardTo}`),
        'record',
        forwardedFrom(sender, this.id),
        seq,
      );
    }
  }

  /** A poison message: always fails, and says retrying cannot help, so it goes to the dead letters. */
  poison(tag: string): void {
    this.append({ s: 'poison', q: -1 }); // rolled back with the failed turn: must never show up
    throw new NonRetryableError(`poison ${tag}`);
  }
}

/** The same ledger in a pool of its own: the run's workers are split between the two pools. */
export class UrgentLedger extends ChaosLedger {
  static override type = 'chaos-urgent';
  static override pool = 'urgent';
}

/** Every class a chaos worker loads; each worker serves one of their pools (`POOLS`). */
export const LEDGERS = [ChaosLedger, UrgentLedger];
export const POOLS = ['default', 'urgent'];

/** The ledger class of actor i: even ones in the default pool, odd ones in `urgent`. */
export function ledgerOf(i: number): typeof ChaosLedger {
  return i % 2 === 0 ? ChaosLedger : UrgentLedger;
}

/** The sender name a forwarded record is booked under at its target. */
export function forwardedFrom(sender: string, actor: string): string {
  return `${sender}>${actor}`;
}

/** The actor the load asks actor i to forward its records to. */
export function forwardTarget(i: number, actors: number): number {
  return (i + 1) % actors;
}

/** Every applied sequence number of one sender, in apply order. */
export function expandRuns(runs: readonly [number, number][] | undefined): number[] {
  const out: number[] = [];
  for (const [from, to] of runs ?? []) for (let q = from; q <= to; q++) out.push(q);
  return out;
}

/** The largest applied sequence number of one sender (0 if none). */
export function maxApplied(runs: readonly [number, number][] | undefined): number {
  let max = 0;
  for (const [, to] of runs ?? []) if (to > max) max = to;
  return max;
}
