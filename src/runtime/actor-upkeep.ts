import type { Placement } from '../protocol/placement.ts';
import type { RedisClient } from '../redis/client.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import { stowLogs } from '../redis/context-log.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { needsMerge, type ActiveActor } from './active-actor.ts';
import type { Logger } from '../logger.ts';
import type { ActorAt, MergeResult } from './merge.ts';
import { MergeScheduler } from './merge-scheduler.ts';
import type { Partition } from './partition.ts';

/**
 * An actor leaving memory has its log merged only from this many segments on. A merge costs four
 * round trips and half a dozen Redis commands; folding a few segments at the next activation costs
 * microseconds, and an idle log of a base and a few segments takes about the bytes of one merged
 * base. Longer logs are merged by the type's policy anyway.
 */
export const MERGE_ON_IDLE_MIN = 8;

export interface UpkeepDeps {
  commands: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  /** Where actors live now (an actor's partition, and its log bucket, depend on its pool). */
  placement: () => Placement;
  registry: ActorRegistry;
  clock: Clock;
  logger: Logger;
  /** The worker's partitions, as it owns them now. */
  owned: ReadonlyMap<number, Partition>;
  idleMs: number;
  mergeConcurrency: number;
  /** A merge folded this many segments. */
  merged: (folded: number, durationMs: number) => void;
}

/**
 * Keeps a worker's actors cheap: drops those idle for idleMs from memory, merging their logs so an
 * idle actor costs Redis one base, and merges logs that grow long, including those commits flagged
 * for the owner's sweep (actors that went idle, or whose worker died).
 */
export class ActorUpkeep {
  private readonly merges: MergeScheduler;
  private timer: unknown;
  private stopped = false;

  constructor(private readonly deps: UpkeepDeps) {
    this.merges = new MergeScheduler(
      {
        redis: deps.commands,
        scripted: deps.scripted,
        keys: deps.keys,
        placement: deps.placement,
        lockMs: 30_000,
        chunk: 10_000,
        now: () => deps.clock.now(),
      },
      deps.mergeConcurrency,
      deps.logger,
      (at, result, ms) => this.onMerged(at, result, ms),
    );
  }

  start(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(
      () => {
        this.sweep();
        this.start();
      },
      Math.max(250, Math.floor(this.deps.idleMs / 2)),
    );
  }

  /** Stops sweeping at once; `drain` then waits for merges under way. */
  stopSweeping(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
  }

  async drain(): Promise<void> {
    await this.merges.stop();
  }

  /** A commit grew the actor's log: merge it once it passes its type's policy. */
  grew(p: number, actor: ActiveActor): void {
    if (needsMerge(actor)) this.merges.request({ p, akey: actor.akey }, actor.entry);
  }

  /** Merges the logs commits flagged as long in partition p (the lease renewal reports them). */
  async mergeFlagged(p: number): Promise<void> {
    const due = await this.deps.commands.spop(this.deps.keys.mergeDue(p), 64).catch(() => []);
    for (const akey of due) {
      const entry = this.deps.registry.get(akey.slice(0, akey.indexOf('/')));
      if (entry) this.merges.request({ p, akey }, entry);
    }
  }

  /**
   * Drops actors unused for idleMs; the next message activates them from Redis again. Their logs
   * are stowed, after a merge when they are long.
   */
  private sweep(): void {
    const cutoff = this.deps.clock.now() - this.deps.idleMs;
    for (const s of this.deps.owned.values()) {
      const stow: string[] = [];
      for (const actor of s.actors()) {
        if (actor.busy || actor.lastUsed >= cutoff) continue;
        s.forget(actor.akey);
        if (actor.logSegments >= MERGE_ON_IDLE_MIN)
          this.merges.request({ p: s.p, akey: actor.akey }, actor.entry);
        else if (actor.logAt === 'list') stow.push(actor.akey);
      }
      this.stow(s.p, stow);
    }
  }

  /**
   * Moves idle actors' logs into their log buckets. Content-preserving at any moment (a commit or
   * merge beside it reads and writes the same log), so a failure only leaves them where they were.
   */
  private stow(p: number, akeys: string[]): void {
    if (akeys.length === 0) return;
    const { scripted, keys, placement, logger } = this.deps;
    stowLogs(scripted, keys, placement().countAt(p), p, akeys).catch((err: unknown) => {
      logger.debug({ err, partition: p }, 'stowing idle logs failed: they stay in their own keys');
    });
  }

  /** Merges queued or running. */
  get pendingMerges(): number {
    return this.merges.pending;
  }

  private onMerged(at: ActorAt, result: MergeResult, durationMs: number): void {
    if (result.status !== 'merged') return;
    this.deps.merged(result.folded, durationMs);
    const actor = this.deps.owned.get(at.p)?.actor(at.akey);
    if (!actor) {
      this.stow(at.p, [at.akey]);
      return;
    }
    const before = actor.logSegments;
    actor.logSegments = Math.max(0, before - result.folded);
    actor.logBytes = before > 0 ? Math.round((actor.logBytes * actor.logSegments) / before) : 0;
    if (needsMerge(actor)) this.merges.request(at, actor.entry);
  }
}
