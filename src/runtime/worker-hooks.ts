import type { EventEmitter } from 'node:events';
import type { Logger } from '../logger.ts';
import type { Placement } from '../protocol/placement.ts';
import type { ActorUpkeep } from './actor-upkeep.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Ownership, OwnershipHooks } from './ownership.ts';
import type { Scheduler } from './scheduler.ts';
import type { TimerFiring } from './timers.ts';
import type { Waker } from './waker.ts';
import type { WorkerEvents, WorkerObserver } from './worker-types.ts';

/** The worker's parts a change of ownership touches; read when a hook runs, after they all exist. */
export interface OwnershipParts {
  relay: OutboxRelay;
  waker: Waker;
  scheduler: Scheduler;
  timers: TimerFiring;
  upkeep: ActorUpkeep;
  ownership: Ownership;
  /** On a Redis Cluster, a partition gained may hold its previous owner's unrelayed sends. */
  onCluster: boolean;
  observer: WorkerObserver | undefined;
  log: Logger;
  events: EventEmitter<WorkerEvents>;
  placed(placement: Placement): void;
  /** This worker's registry entry as of now. */
  entry(): Record<string, string | number>;
}

/** What a worker does when partitions are gained, handed over, lost or renewed. */
export function ownershipHooks(parts: () => OwnershipParts): OwnershipHooks {
  return {
    acquired: (s) => {
      const w = parts();
      // what its previous owner committed and did not relay yet
      if (w.onCluster) w.relay.relay(s.p);
      w.observer?.leaseMoved?.('acquired', s.p);
      w.events.emit('acquired', s.p, s.epoch);
    },
    gained: () => {
      const w = parts();
      w.waker.sync();
      w.scheduler.pump();
      w.timers.arm();
    },
    // stop listening to its wakes: its next owner claims what they announce
    draining: () => parts().waker.sync(),
    released: (p) => {
      const w = parts();
      w.observer?.leaseMoved?.('released', p);
      w.events.emit('released', p);
    },
    lost: (s, reason) => {
      const w = parts();
      s.forgetAll();
      w.waker.sync();
      w.log.warn({ partition: s.p, reason }, 'partition lost');
      w.observer?.leaseMoved?.('lost', s.p);
      w.events.emit('lost', s.p, reason);
    },
    paused: (types) => {
      const w = parts();
      w.log.info({ paused: types }, 'paused actor types changed');
      // renew now: it puts actors of resumed types back on the ready queue; the heartbeat
      // after it tells `troupe pause` this worker applies the new set
      w.ownership.tick();
    },
    placed: (placement) => parts().placed(placement),
    entry: () => parts().entry(),
    renewed: (s, r) => {
      const w = parts();
      if (r.mergesDue && !s.draining) void w.upkeep.mergeFlagged(s.p);
      if (r.nextTimer >= 0) w.timers.note(s.p, r.nextTimer);
      if (r.outbox) w.relay.relay(s.p);
      if (r.ready && !s.expectingWork) {
        // a wake token can be taken by a worker that just handed the partition over
        w.scheduler.onWake(s.p);
      }
    },
  };
}
