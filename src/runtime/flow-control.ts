/**
 * Flow control across workers (docs/flow-control.md): before a batch of a limited type runs, the
 * worker takes a concurrency slot and turn starts from Redis in one call (limit_take.lua, or
 * rate_take.lua for a type with only a rate limit), in the namespace's slot, so the limits hold over
 * every worker and shard. Slots are given back when the batch's turns end and renewed while they
 * run; a crashed worker's slots expire with its lease.
 */
import { nanoid } from 'nanoid';
import { isLimited, NO_LIMITS, type FlowLimits } from '../actor/flow-limits.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/**
 * How long an actor that found every slot taken waits before it asks again, plus up to a quarter
 * more. A slot given back wakes the first waiting actors at once (limit_poke.lua); asking again is
 * for a slot that came back otherwise (a crashed worker's, expired), so it need not be often.
 */
const SLOT_WAIT_MS = 1_000;

export interface FlowControlDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  clock: Clock;
  log: Logger;
  workerId: string;
  leaseMs: number;
  /** The worker's `limits` option, over the classes' statics. */
  overrides: ReadonlyMap<string, Partial<FlowLimits>>;
  /** The partition of an actor, to wake a waiting one where it is parked. */
  partitionOf: (type: string, id: string) => number;
}

/** What a batch may do: run its first `run` messages (holding `slot`), or wait `retryInMs`. */
export type Admission = { run: number; slot: string | undefined } | { run: 0; retryInMs: number };

/** What a batch of a limited type does now: run `mail` holding `slot`, or park its actor until `until`. */
export type Gate = { mail: Buffer[]; slot: string | undefined } | { until: number };

export class FlowControl {
  /** Slots held: member -> its type and the type's concurrency. */
  private readonly held = new Map<string, { type: string; limit: number }>();
  private readonly byType = new Map<string, FlowLimits>();
  private timer: unknown;
  private stopped = false;

  constructor(private readonly deps: FlowControlDeps) {}

  /** The type's limits: the worker's override, else the class's. */
  private limitsOf(entry: RegisteredActor): FlowLimits {
    let limits = this.byType.get(entry.type);
    if (!limits) {
      const o = this.deps.overrides.get(entry.type);
      limits = o ? { ...entry.limits, ...o } : entry.limits;
      if (!isLimited(limits)) limits = NO_LIMITS;
      this.byType.set(entry.type, limits);
    }
    return limits;
  }

  /** Whether the type has a limit at all (a batch of one that has none runs without asking). */
  limited(entry: RegisteredActor): boolean {
    return isLimited(this.limitsOf(entry));
  }

  /** Asks Redis how much of a batch of a limited type may run now. */
  async gate(entry: RegisteredActor, akey: string, mail: Buffer[]): Promise<Gate> {
    const a = await this.admit(entry.type, akey, this.limitsOf(entry), mail.length);
    if ('retryInMs' in a) return { until: this.deps.clock.now() + a.retryInMs };
    return { mail: a.run < mail.length ? mail.slice(0, a.run) : mail, slot: a.slot };
  }

  /**
   * Asks Redis whether a batch of `n` messages of actor `akey` (of `type`) may start now: one script
   * call, whichever limits the type has (limit_take.lua takes the rate's starts with the slot).
   */
  private async admit(type: string, akey: string, limits: FlowLimits, n: number): Promise<Admission> {
    const { scripted, keys, leaseMs } = this.deps;
    const member = `${this.deps.workerId}/${nanoid(10)}`;
    const rate = limits.rateLimit;
    if (limits.concurrency === 0) {
      if (!rate) return { run: n, slot: undefined };
      const [run, waitMs] = (await scripted.run(
        'rate_take',
        [keys.rate(type)],
        [rate.turns, rate.perMs, n, member],
      )) as [number, number];
      return run > 0 ? { run, slot: undefined } : { run: 0, retryInMs: waitMs };
    }
    const [took, starts, waitMs] = (await scripted.run(
      'limit_take',
      [keys.limit(type), keys.limitQueue(type), keys.limitSeen(type), ...(rate ? [keys.rate(type)] : [])],
      // a waiting actor asks again within ~1.25 s, or within the lease after a takeover
      [limits.concurrency, member, leaseMs, akey, 3 * leaseMs, ...(rate ? [rate.turns, rate.perMs, n] : [])],
    )) as [number, number, number];
    if (took !== 1) {
      const retryInMs = waitMs > 0 ? waitMs : SLOT_WAIT_MS + Math.floor((Math.random() * SLOT_WAIT_MS) / 4);
      return { run: 0, retryInMs };
    }
    this.held.set(member, { type, limit: limits.concurrency });
    this.renewSoon();
    return { run: rate ? starts : n, slot: member };
  }

  /** The batch holding `slot` has run its turns: the slot goes to the first actor waiting, woken now. */
  release(slot: string | undefined): void {
    if (slot === undefined) return;
    const held = this.held.get(slot);
    if (held === undefined) return;
    this.held.delete(slot);
    const { scripted, keys, clock } = this.deps;
    const { type, limit } = held;
    scripted
      .run('limit_give', [keys.limit(type), keys.limitQueue(type)], [limit, slot])
      .then((next) =>
        Promise.all(
          (next as string[]).map((akey) => {
            const p = this.deps.partitionOf(type, akey.slice(akey.indexOf('/') + 1));
            return scripted.run('limit_poke', [keys.timers(p), keys.timerWake(p)], [akey, clock.now()]);
          }),
        ),
      )
      .catch((err: unknown) => {
        // the slot expires with the lease anyway, and waiting actors ask again on their own
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
    for (const [slot, { type }] of this.held) byType.set(type, [...(byType.get(type) ?? []), slot]);
    await Promise.all(
      [...byType].map(([type, slots]) =>
        this.deps.scripted
          .run('limit_renew', [this.deps.keys.limit(type)], [this.deps.leaseMs, ...slots])
          .catch((err: unknown) => this.deps.log.warn({ err, type }, 'could not renew concurrency slots')),
      ),
    );
  }
}
