/**
 * Flow control across workers (docs/flow-control.md): before a batch of a limited type runs, the
 * worker takes a concurrency slot (limit_take.lua) and turn starts (rate_take.lua) from Redis, in
 * the namespace's slot, so the limits hold over every worker and shard. Slots are given back when
 * the batch's turns end and renewed while they run; a crashed worker's slots expire with its lease.
 */
import { nanoid } from 'nanoid';
import { isLimited, NO_LIMITS, type FlowLimits } from '../actor/flow-limits.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** How long a batch that found every slot taken waits before its actor is tried again, plus jitter. */
const SLOT_WAIT_MS = 50;

export interface FlowControlDeps {
  scripted: ScriptedRedis;
  commands: RedisClient;
  keys: Keys;
  clock: Clock;
  log: Logger;
  workerId: string;
  leaseMs: number;
  /** The worker's `limits` option, over the classes' statics. */
  overrides: ReadonlyMap<string, Partial<FlowLimits>>;
}

/** What a batch may do: run its first `run` messages (holding `slot`), or wait `retryInMs`. */
export type Admission = { run: number; slot: string | undefined } | { run: 0; retryInMs: number };

export class FlowControl {
  /** Slots held: member -> type. */
  private readonly held = new Map<string, string>();
  private readonly byType = new Map<string, FlowLimits>();
  private timer: unknown;
  private stopped = false;

  constructor(private readonly deps: FlowControlDeps) {}

  /** The type's limits: the worker's override, else the class's. */
  limitsOf(entry: RegisteredActor): FlowLimits {
    let limits = this.byType.get(entry.type);
    if (!limits) {
      const o = this.deps.overrides.get(entry.type);
      limits = o ? { ...entry.limits, ...o } : entry.limits;
      if (!isLimited(limits)) limits = NO_LIMITS;
      this.byType.set(entry.type, limits);
    }
    return limits;
  }

  /** Asks Redis whether a batch of `n` messages of actor `akey` (of `type`) may start now. */
  async admit(type: string, akey: string, limits: FlowLimits, n: number): Promise<Admission> {
    const { scripted, keys, leaseMs } = this.deps;
    const member = `${this.deps.workerId}/${nanoid(10)}`;
    let slot: string | undefined;
    if (limits.concurrency > 0) {
      const took = await scripted.run(
        'limit_take',
        [keys.limit(type), keys.limitQueue(type), keys.limitSeen(type)],
        // a waiting actor asks again within ~100 ms, or within the lease after a takeover
        [limits.concurrency, member, leaseMs, akey, 3 * leaseMs],
      );
      if (took !== 1) return { run: 0, retryInMs: SLOT_WAIT_MS + Math.floor(Math.random() * SLOT_WAIT_MS) };
      slot = member;
      this.held.set(member, type);
      this.renewSoon();
    }
    if (!limits.rateLimit) return { run: n, slot };
    const { turns, perMs } = limits.rateLimit;
    let granted: [number, number];
    try {
      granted = (await scripted.run('rate_take', [keys.rate(type)], [turns, perMs, n, member])) as [
        number,
        number,
      ];
    } catch (err) {
      if (slot) this.release(slot);
      throw err;
    }
    if (granted[0] > 0) return { run: granted[0], slot };
    if (slot) this.release(slot);
    return { run: 0, retryInMs: granted[1] };
  }

  /** The batch holding `slot` has run its turns. */
  release(slot: string | undefined): void {
    if (slot === undefined) return;
    const type = this.held.get(slot);
    if (type === undefined) return;
    this.held.delete(slot);
    this.deps.commands.zrem(this.deps.keys.limit(type), slot).catch((err: unknown) => {
      // it expires with the lease anyway
      this.deps.log.warn({ err, type }, 'could not give back a concurrency slot');
    });
  }

  /** Gives back every slot and renews no more (the worker stops). */
  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    for (const slot of [...this.held.keys()]) this.release(slot);
  }

  /** Keeps a timer renewing the held slots every third of the lease while there are any. */
  private renewSoon(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.renew().finally(() => {
        if (this.held.size > 0) this.renewSoon();
      });
    }, this.deps.leaseMs / 3);
  }

  private async renew(): Promise<void> {
    const byType = new Map<string, string[]>();
    for (const [slot, type] of this.held) byType.set(type, [...(byType.get(type) ?? []), slot]);
    await Promise.all(
      [...byType].map(([type, slots]) =>
        this.deps.scripted
          .run('limit_renew', [this.deps.keys.limit(type)], [this.deps.leaseMs, ...slots])
          .catch((err: unknown) => this.deps.log.warn({ err, type }, 'could not renew concurrency slots')),
      ),
    );
  }
}
