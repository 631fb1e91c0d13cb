import type { ActiveActor } from './active-actor.ts';
import type { CommitItem } from './commit-item.ts';
import { ReadyHead } from './ready-head.ts';

/**
 * Outbox entries (a Redis Cluster's cross-slot sends and replies) past which a partition claims no
 * more until they are relayed: a slow or unreachable target shard holds back its senders' turns
 * rather than letting the outbox grow without bound.
 */
export const OUTBOX_LIMIT = 10_000;

/** A claim under way on a partition: what it needs to know when its reply comes. */
export interface ClaimTicket {
  /** Wakes seen before the claim started. */
  readonly wakes: number;
  /** Actors the claim named, whose capacity it reserved. */
  readonly hints: readonly string[];
}

/**
 * What a worker knows and does about one partition it owns, at one epoch. Its state changes only
 * through what happens to the partition (a wake, a claim, a batch, a commit, a timer, a handover),
 * each a method here; the scheduler, timers, upkeep and ownership ask and tell, never set fields.
 */
export class Partition {
  private handingOver = false;
  /** New mail may be ready: a claim is due. */
  private hasWork = true;
  private wakes = 0;
  private readonly head = new ReadyHead();
  private batches = 0;
  private pending: CommitItem[] = [];
  private flushScheduled = false;
  private readonly active = new Map<string, ActiveActor>();
  /** Due ms of the earliest timer, as far as this worker knows (-1: none; 0: look now). */
  private timerDue = 0;
  private firing = false;
  /** Outbox entries last seen waiting to be relayed. */
  private outboxBacklog = 0;

  constructor(
    readonly p: number,
    /** The fencing token its lease was taken with. */
    readonly epoch: number,
    /** The pool whose partition it is. */
    readonly pool: string,
  ) {}

  // --- handover

  /** Being handed to another worker: claims nothing more, finishes what runs. */
  get draining(): boolean {
    return this.handingOver;
  }

  handOver(): void {
    this.handingOver = true;
  }

  /** Nothing of it runs, commits or is being claimed: it can be released. */
  get quiet(): boolean {
    return this.batches === 0 && !this.head.claiming;
  }

  // --- mail and claims

  /** New mail: a wake message (naming `akey` when it does), a timer fired, a renewal saw actors ready. */
  woke(akey?: string): void {
    this.hasWork = true;
    this.wakes++;
    this.head.woke(akey);
  }

  /** A claim is due or under way. */
  get expectingWork(): boolean {
    return this.hasWork || this.head.claiming;
  }

  /** Whether a claim should start now. */
  get wantsClaim(): boolean {
    return !this.handingOver && this.hasWork && !this.head.claiming && this.outboxBacklog < OUTBOX_LIMIT;
  }

  /** Starts a claim of at most n actors: names those known to be at the head of the ready queue. */
  startClaim(n: number): ClaimTicket {
    const hints = this.head.hints(n);
    this.head.claimStarted();
    return { wakes: this.wakes, hints };
  }

  /** A claim returned the queue's new head and length. */
  claimed(ticket: ClaimTicket, head: string[], readyLen: number): void {
    this.head.claimed(head, readyLen);
    // a wake during the claim may be for mail the claim did not see
    this.hasWork = readyLen > 0 || this.wakes !== ticket.wakes;
  }

  /** A claim failed or was fenced: what it did is unknown. */
  claimFailed(): void {
    this.head.claimFailed();
  }

  // --- batches and commits

  batchStarted(): void {
    this.batches++;
  }

  /** Queues a finished batch for the next commit; true when a flush must be scheduled. */
  queueCommit(item: CommitItem): boolean {
    this.pending.push(item);
    if (this.flushScheduled) return false;
    this.flushScheduled = true;
    return true;
  }

  /** The batches to commit now. */
  takePending(): CommitItem[] {
    this.flushScheduled = false;
    return this.pending.splice(0);
  }

  /** A commit put `requeued` back on the ready queue, which is now `readyLen` long. */
  committed(requeued: readonly string[], readyLen: number): void {
    this.head.committed(requeued, readyLen);
    if (readyLen > 0) this.hasWork = true;
  }

  /** A commit left the outbox `length` entries long. */
  outboxGrew(length: number): void {
    this.outboxBacklog = length;
  }

  /** The outbox was relayed to its end as read. */
  outboxRelayed(): void {
    this.outboxBacklog = 0;
  }

  batchesEnded(n: number): void {
    this.batches -= n;
  }

  /** Batches running or committing. */
  get inflight(): number {
    return this.batches;
  }

  // --- actors in memory

  actor(akey: string): ActiveActor | undefined {
    return this.active.get(akey);
  }

  has(akey: string): boolean {
    return this.active.has(akey);
  }

  keep(actor: ActiveActor): void {
    this.active.set(actor.akey, actor);
  }

  forget(akey: string): void {
    this.active.delete(akey);
  }

  forgetAll(): void {
    this.active.clear();
  }

  get actorCount(): number {
    return this.active.size;
  }

  actors(): IterableIterator<ActiveActor> {
    return this.active.values();
  }

  // --- timers

  /** Due ms of its earliest timer, as far as known (-1: none; 0: look now). */
  get nextTimer(): number {
    return this.timerDue;
  }

  /** A timer is due at `due` (0: look now). */
  timerAt(due: number): void {
    if (this.timerDue < 0 || due < this.timerDue) this.timerDue = due;
  }

  /** Whether its timers should fire at `now`; if so, firing starts. */
  startFiring(now: number): boolean {
    if (this.timerDue < 0 || this.timerDue > now || this.handingOver || this.firing) return false;
    this.firing = true;
    this.timerDue = -1;
    return true;
  }

  firingEnded(): void {
    this.firing = false;
  }
}
