import type { ActiveActor } from './active-actor.ts';
import type { CommitItem } from './commit-item.ts';

/** What a worker knows and does about one partition it owns, at one epoch. */
export interface PartitionState {
  p: number;
  epoch: number;
  draining: boolean;
  hasWork: boolean;
  wakeGen: number;
  claiming: boolean;
  inflight: number;
  actors: Map<string, ActiveActor>;
  pending: CommitItem[];
  flushScheduled: boolean;
  /** Due ms of the earliest timer in the partition, as far as this worker knows (-1: none). */
  nextTimer: number;
  firing: boolean;
  /**
   * Actors likely near the head of the ready queue (named by a wake, requeued by a commit, or seen
   * at the head by the last claim): the next claim names their mailboxes, so their mail comes with it.
   */
  hints: Set<string>;
}

export function newPartition(p: number, epoch: number): PartitionState {
  return {
    p,
    epoch,
    draining: false,
    hasWork: true,
    wakeGen: 0,
    claiming: false,
    inflight: 0,
    actors: new Map(),
    pending: [],
    flushScheduled: false,
    // a new owner looks at the timers at once: some may be overdue from the previous owner
    nextTimer: 0,
    firing: false,
    hints: new Set(),
  };
}
