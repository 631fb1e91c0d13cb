import type { ResolvedPool } from './worker-options.ts';

/** One served pool: its place in the claim order, its limit, and its batches by stage. */
interface Share {
  rank: number;
  limit: number;
  /** Actors promised to claims under way plus batches claimed and waiting to run. */
  ahead: number;
  running: number;
  /** Turns run (succeeded or failed) so far. */
  turns: number;
}

/**
 * A worker's pools in priority order, each bounded by its own concurrency as the worker is by its
 * own (capacity.ts): batches running, and batches claimed ahead. The scheduler tells it what
 * happens to a pool's batches; it says how a pool ranks and how much it may claim and run.
 */
export class PoolShares {
  private readonly shares = new Map<string, Share>();

  constructor(
    pools: readonly ResolvedPool[],
    private readonly concurrency: number,
  ) {
    pools.forEach((p, rank) =>
      this.shares.set(p.name, { rank, limit: p.concurrency, ahead: 0, running: 0, turns: 0 }),
    );
  }

  /** One outside every served pool (a partition never owned) ranks last. */
  private of(pool: string): Share {
    let share = this.shares.get(pool);
    if (!share) {
      share = { rank: this.shares.size, limit: this.concurrency, ahead: 0, running: 0, turns: 0 };
      this.shares.set(pool, share);
    }
    return share;
  }

  /** More than one pool: claims and turns are ordered by rank. */
  get several(): boolean {
    return this.shares.size > 1;
  }

  rank(pool: string): number {
    return this.of(pool).rank;
  }

  /** Actors a claim in `pool` may take now. */
  room(pool: string): number {
    const share = this.of(pool);
    return share.limit - share.ahead;
  }

  /** Whether a claimed batch of `pool` may start its turns now. */
  mayRun(pool: string): boolean {
    const share = this.of(pool);
    return share.running < share.limit;
  }

  /** A claim of up to n actors started. */
  claiming(pool: string, n: number): void {
    this.of(pool).ahead += n;
  }

  /** The claim of `asked` actors came back with `took` batches (0 when it failed). */
  claimed(pool: string, asked: number, took: number): void {
    this.of(pool).ahead += took - asked;
  }

  /** A claimed batch started its turns. */
  started(pool: string): void {
    const share = this.of(pool);
    share.ahead--;
    share.running++;
  }

  /** A batch's turns have run (or it never ran). */
  ran(pool: string): void {
    this.of(pool).running--;
  }

  /** A commit applied `n` turns. */
  counted(pool: string, n: number): void {
    this.of(pool).turns += n;
  }

  /** Turns run so far in each pool. */
  turns(): Map<string, number> {
    return new Map([...this.shares].map(([name, share]) => [name, share.turns]));
  }
}
