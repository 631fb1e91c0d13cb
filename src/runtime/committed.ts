import type { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import { indexRecord } from '../protocol/index-entry.ts';
import type { ActorUpkeep } from './actor-upkeep.ts';
import type { CommitItem } from './commit-item.ts';
import type { CommitResult } from './partition-scripts.ts';
import type { Partition } from './partition.ts';
import type { TimerFiring } from './timers.ts';
import type { TurnCounters, WorkerEvents } from './worker-types.ts';

/** What a commit's outcome is told to. */
export interface CommittedDeps {
  counters: TurnCounters;
  timers: TimerFiring;
  upkeep: ActorUpkeep;
  clock: Clock;
  events: EventEmitter<WorkerEvents>;
  /** Turns applied in a pool. */
  counted: (pool: string, turns: number) => void;
}

/**
 * Applies what a commit of `items` on partition s came back with: the ready queue's news, counters,
 * timers to watch, the in-memory actors' log sizes, and the `committed` event. Items of actors the
 * commit found stale (claimed again elsewhere) count for nothing and their actors are dropped.
 */
export function applyCommitted(
  d: CommittedDeps,
  s: Partition,
  items: readonly CommitItem[],
  res: CommitResult,
): void {
  const { readyLen, stale, requeued } = res;
  s.committed(requeued, readyLen);
  d.counters.commits++;
  for (const akey of stale) {
    d.counters.staleCommits++;
    s.forget(akey);
  }
  const staleSet = new Set(stale);
  for (const it of items) {
    if (staleSet.has(it.akey)) continue;
    if (it.retryAt > 0) {
      if (!it.waiting) d.counters.retries++;
      d.timers.note(s.p, it.retryAt);
    }
    for (const [due] of it.timers) d.timers.note(s.p, due);
    for (const [op, , due] of it.repeats) if (op !== 'cancel' && due > 0) d.timers.note(s.p, due);
    d.counters.turnsSucceeded += it.succeeded;
    d.counters.turnsFailed += it.failed;
    d.counted(s.pool, it.succeeded + it.failed);
    const actor = s.actor(it.akey);
    if (!actor) continue;
    if (actor.tainted) {
      s.forget(it.akey);
      continue;
    }
    actor.busy = false;
    actor.lastUsed = d.clock.now();
    if (it.dir >= 2) {
      actor.logAt = 'none';
      actor.logSegments = 0;
      actor.logBytes = 0;
      actor.listed = undefined;
    }
    if (it.dir % 2 === 1) actor.listed = indexRecord(it.fields);
    if (it.segments.length > 0) {
      actor.logAt = it.fresh ? 'stowed' : 'list';
      actor.logSegments += it.segments.length;
      for (const seg of it.segments) actor.logBytes += seg.length;
      d.upkeep.grew(s.p, actor);
    }
  }
  if (d.events.listenerCount('committed') > 0) {
    const turns = items
      .filter((it) => !staleSet.has(it.akey))
      .map((it) => ({ actor: it.akey, messages: it.handled }));
    d.events.emit('committed', s.p, turns);
  }
}
