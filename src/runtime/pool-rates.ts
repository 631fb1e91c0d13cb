import type { Clock } from '../clock.ts';

/** Turns per second in each pool a worker serves, between one heartbeat and the next. */
export class PoolRates {
  private last: { at: number; turns: Map<string, number> } = { at: 0, turns: new Map() };

  constructor(
    private readonly clock: Clock,
    /** Turns run so far in each pool. */
    private readonly turnsByPool: () => Map<string, number>,
  ) {}

  /** The worker started at `at`: the first rates count from there. */
  start(at: number): void {
    this.last = { at, turns: new Map() };
  }

  /** Turns per second in each pool since the previous call (or the start). */
  take(): Map<string, number> {
    const now = this.clock.now();
    const turns = this.turnsByPool();
    const since = this.last;
    this.last = { at: now, turns };
    const secs = (now - since.at) / 1000;
    return new Map(
      [...turns].map(([pool, n]) => [pool, secs > 0 ? (n - (since.turns.get(pool) ?? 0)) / secs : 0]),
    );
  }
}
