import { emptyTurnCounts, turnBucketOf } from '../protocol/turn-times.ts';

/** Counts every turn's duration per actor type, for the registry entry (`admin.types()` reads it). */
export class TurnTimes {
  private readonly byType = new Map<string, number[]>();

  record(type: string, ms: number): void {
    let counts = this.byType.get(type);
    if (!counts) this.byType.set(type, (counts = emptyTurnCounts()));
    counts[turnBucketOf(ms)]!++;
  }

  /** Counts since the worker started. */
  get histograms(): ReadonlyMap<string, readonly number[]> {
    return this.byType;
  }
}
