import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from './logger.ts';

export interface WakerHandlers {
  /** The partitions whose wake lists to wait on. */
  partitions(): Iterable<number>;
  wake(p: number): void;
  /** A delayed tell was added to p's timers. */
  timers(p: number): void;
  control(message: string): void;
}

/**
 * Blocks on the wake lists of the partitions a worker owns, plus its own control list, on a
 * connection of its own. A tell that makes an actor ready pushes a token, so new mail is picked up
 * at once with no polling; an idle worker sits in one BLPOP.
 */
export class Waker {
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly blocking: Redis,
    /** A non-blocking connection, to poke the blocking one. */
    private readonly commands: Redis,
    private readonly keys: Keys,
    private readonly workerId: string,
    private readonly timeoutSec: number,
    private readonly handlers: WakerHandlers,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Makes the current BLPOP return so the next one waits on the current partitions. */
  async interrupt(command = 'keys'): Promise<void> {
    await this.commands.rpush(this.keys.control(this.workerId), command);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.interrupt('stop').catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    const ctl = this.keys.control(this.workerId);
    const byKey = new Map<string, { p: number; timers: boolean }>();
    // the key list changes only when partitions move, which interrupts with 'keys'; rebuilding it
    // for every wake cost more than the claim it led to
    let args: (string | number)[] = [];
    let stale = true;
    while (this.running) {
      if (stale) {
        byKey.clear();
        for (const p of this.handlers.partitions()) {
          byKey.set(this.keys.wake(p), { p, timers: false });
          byKey.set(this.keys.timerWake(p), { p, timers: true });
        }
        args = [...byKey.keys(), ctl, this.timeoutSec];
        stale = false;
      }
      let res: [string, string] | null;
      try {
        res = await this.blocking.blpop(...(args as [string, number]));
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err }, 'wait for mail failed; retrying');
        stale = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!res) {
        stale = true;
        continue;
      }
      const [key, value] = res;
      if (key === ctl) {
        stale = true;
        if (value !== 'keys' && value !== 'stop') this.handlers.control(value);
        continue;
      }
      const hit = byKey.get(key);
      if (hit?.timers) this.handlers.timers(hit.p);
      else if (hit) this.handlers.wake(hit.p);
    }
  }
}
