/**
 * `concurrency` bounds turns running; a batch whose turns have run waits for its commit beside
 * them, up to this many times `concurrency`. Counting the commit's round trip against concurrency
 * left a worker of cold actors (one message each) waiting on round trips with its cores idle:
 * `npm run bench -- --scenario cold --runs 3`, 16.3k msgs/s before, 17.9k after (1.24x → 1.52x
 * BullMQ's trivial jobs in the same runs), CPU per message a little lower.
 */
const COMMITTING_PER_RUNNING = 4;

/**
 * A worker's capacity for batches of turns, in three bounded stages: claims under way plus batches
 * claimed and waiting to run (`concurrency`), batches running (`concurrency`), and batches whose
 * turns have run waiting for their commit (COMMITTING_PER_RUNNING × `concurrency`). The scheduler
 * tells it what happens to batches; it says how much may be claimed and which batch runs next.
 */
export class Capacity<B> {
  /** Claimed and not yet committed (or dropped). */
  private batches = 0;
  private runningNow = 0;
  private readonly waiting: B[] = [];
  /** Promised to claims under way. */
  private reserved = 0;
  /** The fewest actors a claim takes while batches run. */
  readonly minClaim: number;
  private readonly maxCommitting: number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    /**
     * A batch's priority: of the waiting batches that may run, the one of the lowest rank runs
     * first (the oldest among equals). `mayRun` false keeps a batch waiting (its pool is at its limit).
     */
    private readonly order: { rank(batch: B): number; mayRun(batch: B): boolean } = {
      rank: () => 0,
      mayRun: () => true,
    },
  ) {
    this.minClaim = Math.max(1, Math.min(4, Math.floor(concurrency / 16)));
    this.maxCommitting = COMMITTING_PER_RUNNING * concurrency;
  }

  /** Batches claimed and not yet committed: waiting, running or committing. */
  get inflight(): number {
    return this.batches;
  }

  /** Batches whose turns run now. */
  get running(): number {
    return this.runningNow;
  }

  /**
   * How many actors a claim may take now; 0 to wait. While batches run, a claim waits until it can
   * take a few actors at once: capacity comes back one batch at a time, and claiming each crumb at
   * once would cost a claim (and then a commit) per actor.
   */
  claimable(): number {
    const capacity = this.concurrency - this.waiting.length - this.reserved;
    if (capacity <= 0 || (this.runningNow > 0 && capacity < this.minClaim)) return 0;
    const committing = this.batches - this.runningNow - this.waiting.length;
    return committing >= this.maxCommitting ? 0 : capacity;
  }

  /** A claim of up to n actors starts. */
  reserve(n: number): void {
    this.reserved += n;
  }

  /** A claim of n actors came back (or failed); what it took is given to `claimed`. */
  unreserve(n: number): void {
    this.reserved -= n;
    this.checkIdle();
  }

  /** A batch a claim took, to run when a turn slot is free. */
  claimed(batch: B): void {
    this.batches++;
    this.waiting.push(batch);
  }

  /** The next claimed batch, if a turn slot is free; it counts as running from here. */
  nextToRun(): B | undefined {
    if (this.runningNow >= this.concurrency) return undefined;
    let at = -1;
    let best = Infinity;
    for (let i = 0; i < this.waiting.length && best > 0; i++) {
      const b = this.waiting[i]!;
      const r = this.order.rank(b);
      if (r < best && this.order.mayRun(b)) [at, best] = [i, r];
    }
    if (at < 0) return undefined;
    const [next] = this.waiting.splice(at, 1);
    this.runningNow++;
    return next;
  }

  /** A batch that `nextToRun` gave has run its turns (or could not run them). */
  ran(): void {
    this.runningNow--;
  }

  /** n batches are done: committed, or given up before or after running. */
  ended(n: number): void {
    this.batches -= n;
    this.checkIdle();
  }

  /** Resolves once no batch is claimed and no claim is under way. */
  whenIdle(): Promise<void> {
    if (this.batches === 0 && this.reserved === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private checkIdle(): void {
    if (this.batches === 0 && this.reserved === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
