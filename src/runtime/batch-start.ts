import type { RedisClient } from '../redis/client.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import type { DeadLetterReason } from '../protocol/dead-letter-reasons.ts';
import type { StoredLog } from '../protocol/log.ts';
import { readStoredLog } from '../redis/context-log.ts';
import { DEFAULT_POOL, type Placement } from '../protocol/placement.ts';
import type { Keys } from '../redis/keys.ts';
import { activate, type ActiveActor } from './active-actor.ts';
import { deadBatch, forwardBatch, waitingItem, type CommitItem } from './commit-item.ts';
import type { FlowControl } from './flow-control.ts';
import type { Logger } from '../logger.ts';
import type { Claimed, PartitionScriptDeps } from './partition-scripts.ts';
import type { Partition } from './partition.ts';
import { runBatch, type TurnEnv } from './turn.ts';
import type { ResolvedWorkOptions } from './worker-options.ts';
import type { TurnCounters } from './worker-types.ts';

export interface BatchStartDeps {
  commands: RedisClient;
  keys: Keys;
  registry: ActorRegistry;
  clock: Clock;
  log: Logger;
  opts: ResolvedWorkOptions;
  scripts: PartitionScriptDeps;
  turnEnv: TurnEnv;
  owned: Map<number, Partition>;
  /** Where actor types live now: mail in a partition of the wrong pool is forwarded. */
  placement: () => Placement;
  /** Reads the placement again, for mail of a type this worker has not seen placed. */
  refreshPlacement: () => Promise<void>;
  counters: TurnCounters;
  /** Concurrency slots and rate limits of limited types, across workers. */
  flow: FlowControl;
}

/** Where a started batch ends: the scheduler's to act on. */
export interface BatchEnds {
  /** The batch ran (or was turned into dead letters, a forward or a wait): its item commits. */
  commit(s: Partition, item: CommitItem): void;
  /** A Redis error before the batch could run: its outcome is unknown. */
  dropped(s: Partition, err: unknown): void;
  /** A bug in Troupe while the batch ran: the actor is forgotten and its mail claimed again later. */
  broken(s: Partition): void;
}

/**
 * Steps 4 and 5 of the path (see README.md): a claimed batch finds its actor (in memory, or activated
 * from the log the claim brought, or read now), is forwarded when its type lives in another pool,
 * asks the flow limits of its type, and runs its turns.
 */
export class BatchStart {
  constructor(
    private readonly deps: BatchStartDeps,
    private readonly ends: BatchEnds,
  ) {}

  start(s: Partition, c: Claimed, token: string): void {
    const { akey, mail, attempts } = c;
    const cached = s.actor(akey);
    if (cached) {
      this.gated(s, cached, token, mail, attempts);
      return;
    }
    const slash = akey.indexOf('/');
    const type = akey.slice(0, slash);
    if (this.deps.placement().recordedPool(type) === undefined && s.pool !== DEFAULT_POOL) {
      // mail in a pool's partition for a type this worker has not seen placed: it was placed since
      this.deps
        .refreshPlacement()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'could not read the placement'))
        .finally(() => this.place(s, c, token, type, slash));
      return;
    }
    this.place(s, c, token, type, slash);
  }

  /** Runs a batch of an actor not in memory here, or forwards it to the partition of its type's pool. */
  private place(s: Partition, c: Claimed, token: string, type: string, slash: number): void {
    const { akey, mail, attempts } = c;
    const home = this.deps.placement().partitionOf(type, akey.slice(slash + 1));
    if (home !== s.p) {
      this.ends.commit(s, forwardBatch(akey, token, mail, attempts, home));
      return;
    }
    const entry = this.deps.registry.get(type);
    if (!entry) {
      const known = this.deps.registry.types().join(', ');
      const why = `no actor class of type "${type}" is registered in this worker (known: ${known})`;
      this.ends.commit(s, this.deadBatch(akey, token, mail, 'unknown-type', why, attempts));
      return;
    }
    const started = performance.now();
    const activateFrom = (log: StoredLog): void => {
      let actor: ActiveActor;
      try {
        actor = activate(entry, akey.slice(slash + 1), log, this.deps.clock.now());
      } catch (err) {
        this.ends.commit(s, this.deadBatch(akey, token, mail, 'context-unreadable', String(err), attempts));
        return;
      }
      this.deps.counters.activations++;
      this.deps.opts.observer?.activated?.(type, performance.now() - started);
      if (this.deps.owned.get(s.p) === s) s.keep(actor);
      this.gated(s, actor, token, mail, attempts);
    };
    // the claim brought the log of an actor not in memory; one passivated since asks for it now
    if (c.log) {
      activateFrom(c.log);
      return;
    }
    readStoredLog(this.deps.commands, this.deps.keys, {
      p: s.p,
      akey,
      partitions: this.deps.scripts.placement().countAt(s.p),
    })
      .then(({ stored }) => activateFrom(stored))
      .catch((err: unknown) => this.ends.dropped(s, err));
  }

  /** Every message of the batch to the dead letters, each one logged (rate-limited). */
  private deadBatch(
    akey: string,
    token: string,
    mail: Buffer[],
    reason: DeadLetterReason,
    error: string,
    attempts: string,
  ): CommitItem {
    const note = this.deps.turnEnv.onRejected;
    return deadBatch(akey, token, mail, reason, error, attempts, (messageId) =>
      note?.({ reason, actor: akey, messageId, error }),
    );
  }

  /**
   * Runs a batch; one of a limited type first asks for a concurrency slot and turn starts. Without
   * them its actor waits parked in Redis (its mail kept, as during a retry backoff), so it holds no
   * turn slot of this worker while it waits and other types are not slowed.
   */
  private gated(s: Partition, actor: ActiveActor, token: string, mail: Buffer[], attempts: string): void {
    if (!this.deps.flow.limited(actor.entry)) {
      this.run(s, actor, token, mail, attempts, undefined);
      return;
    }
    this.deps.flow.gate(actor.entry, actor.akey, mail).then(
      (g) =>
        'until' in g
          ? this.ends.commit(s, waitingItem(actor.akey, token, attempts, g.until))
          : this.run(s, actor, token, g.mail, attempts, g.slot),
      (err: unknown) => this.ends.dropped(s, err),
    );
  }

  private run(
    s: Partition,
    actor: ActiveActor,
    token: string,
    mail: Buffer[],
    attempts: string,
    slot: string | undefined,
  ): void {
    actor.lastUsed = this.deps.clock.now();
    actor.busy = true;
    const started = performance.now();
    const result = runBatch(actor, token, mail, attempts, this.deps.turnEnv);
    if (result instanceof Promise) {
      result.then(
        (item) => {
          this.deps.counters.busyMs += performance.now() - started;
          this.deps.flow.release(slot);
          this.ends.commit(s, item);
        },
        (err: unknown) => {
          this.deps.flow.release(slot);
          // runBatch catches handler errors itself; reaching here is a bug in Troupe
          this.deps.log.error({ err, actor: actor.akey }, 'internal error running a batch');
          s.forget(actor.akey);
          this.ends.broken(s);
        },
      );
    } else {
      this.deps.counters.busyMs += performance.now() - started;
      this.deps.flow.release(slot);
      this.ends.commit(s, result);
    }
  }
}
