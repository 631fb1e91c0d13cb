import type { ActiveActor } from './active-actor.ts';
import type { CommitItem } from './commit-item.ts';
import { ReadyHead } from './ready-head.ts';

/** What a worker knows and does about one partition it owns, at one epoch. */
export interface PartitionState {
  p: number;
  epoch: number;
  draining: boolean;
  hasWork: boolean;
  wakeGen: number;
  claiming: boolean;
  /** What the worker knows of the ready queue's head, for claims to name. */
  head: ReadyHead;
  inflight: number;
  actors: Map<string, ActiveActor>;
  pending: CommitItem[];
  flushScheduled: boolean;
  /** Due ms of the earliest timer in the partition, as far as this worker knows (-1: none). */
  nextTimer: number;
  firing: boolean;
}

export function newPartition(p: number, epoch: number): PartitionState {
  return {
    p,
    epoch,
    draining: false,
    hasWork: true,
    wakeGen: 0,
    claiming: false,
    head: new ReadyHead(),
    inflight: 0,
    actors: new Map(),
    pending: [],
    flushScheduled: false,
    // a new owner looks at the timers at once: some may be overdue from the previous owner
    nextTimer: 0,
    firing: false,
  };
}
