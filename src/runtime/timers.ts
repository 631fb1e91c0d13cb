import type { Clock } from '../clock.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { Logger } from '../logger.ts';
import type { Partition } from './partition.ts';

export interface TimerDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  clock: Clock;
  logger: Logger;
  workerId: string;
  /** The partitions the worker owns now. */
  owned(): Iterable<Partition>;
  partition(p: number): Partition | undefined;
  /** Timers delivered mail into the partition. */
  fired(s: Partition, count: number): void;
  /** The fire script found the lease gone. */
  fenced(s: Partition): void;
}

/**
 * Fires the due entries of the timer sets of the partitions a worker owns (this.schedule, delayed
 * tells, retry backoffs), keeping one clock timer for the earliest of them. It learns of entries
 * from the worker's commits, renewals and acquisitions, and from the delayed-tell signal.
 */
export class TimerFiring {
  private handle: unknown;
  private armedAt = -1;
  private stopped = false;
  firedTotal = 0;

  constructor(private readonly deps: TimerDeps) {}

  /** Records that partition p has a timer due at `due` (0: look now) and arms the clock. */
  note(p: number, due: number): void {
    const s = this.deps.partition(p);
    if (!s) return;
    s.timerAt(due);
    this.arm();
  }

  /** One clock timer, for the earliest due timer over every owned partition. */
  arm(): void {
    if (this.stopped) return;
    let earliest = -1;
    for (const s of this.deps.owned()) {
      if (s.nextTimer >= 0 && !s.draining && (earliest < 0 || s.nextTimer < earliest)) earliest = s.nextTimer;
    }
    if (earliest === this.armedAt) return;
    this.deps.clock.clearTimeout(this.handle);
    this.armedAt = earliest;
    if (earliest < 0) return;
    this.handle = this.deps.clock.setTimeout(
      () => {
        this.armedAt = -1;
        this.fireDue();
      },
      Math.max(0, earliest - this.deps.clock.now()),
    );
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.handle);
  }

  private fireDue(): void {
    const now = this.deps.clock.now();
    for (const s of this.deps.owned()) {
      if (s.startFiring(now)) void this.fire(s, now);
    }
    this.arm();
  }

  /** Delivers a partition's due timers (fenced like a commit) and learns when the next is due. */
  private async fire(s: Partition, now: number): Promise<void> {
    const { keys, scripted } = this.deps;
    let res: unknown;
    try {
      // fire.lua names the mailboxes of the due entries in KEYS, so read whose they are first
      const members = await scripted.redis.zrangebyscoreBuffer(
        keys.timers(s.p),
        '-inf',
        now,
        'LIMIT',
        0,
        FIRE_MAX,
      );
      const akeys = dueActors(members);
      res = await scripted.run(
        'fire',
        [
          keys.owner(s.p),
          keys.epoch(s.p),
          keys.timers(s.p),
          keys.ready(s.p),
          keys.wake(s.p),
          ...akeys.map((akey) => keys.mailbox(s.p, akey)),
        ],
        [this.deps.workerId, s.epoch, now, FIRE_MAX, ...akeys],
      );
    } catch (err) {
      s.firingEnded();
      s.timerAt(now);
      this.deps.logger.warn(
        { err, worker: this.deps.workerId, partition: s.p },
        'firing timers failed; will retry',
      );
      this.deps.clock.setTimeout(() => this.arm(), 200);
      return;
    }
    s.firingEnded();
    if (res === -1) return this.deps.fenced(s);
    const [fired, next] = res as [number, number | string];
    this.firedTotal += fired;
    if (fired > 0) this.deps.fired(s, fired);
    const due = Number(next);
    if (due >= 0) this.note(s.p, due);
  }
}

/** Timers fired by one call of fire.lua at most. */
const FIRE_MAX = 1000;

/** The distinct actors of timer members `<akey>\0<envelope>`. */
function dueActors(members: Buffer[]): string[] {
  const akeys = new Set<string>();
  for (const m of members) {
    const sep = m.indexOf(0);
    if (sep > 0) akeys.add(m.subarray(0, sep).toString());
  }
  return [...akeys];
}
