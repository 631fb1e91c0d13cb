import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../logger.ts';

/**
 * Words the worker pushes onto its own control list to end its BLPOP early: internal wake-ups of
 * the wait loop, never passed on as commands (those are in protocol/control.ts).
 */
const WAIT_AGAIN = 'keys';
const WAIT_STOP = 'stop';

export interface WakerHandlers {
  /** The partitions whose wake signals to take. */
  partitions(): Iterable<number>;
  /** New mail in p; `akey` is the actor whose tell woke it, when the message names one. */
  wake(p: number, akey?: string): void;
  /** A delayed tell was added to p's timers. */
  timers(p: number): void;
  control(message: string): void;
}

/** Pub/sub flavour the server speaks: sharded channels (Redis 7+) stay in the partition's slot. */
type Flavour =
  | { subscribe: 'ssubscribe'; unsubscribe: 'sunsubscribe'; event: 'smessage' }
  | {
      subscribe: 'subscribe';
      unsubscribe: 'unsubscribe';
      event: 'message';
    };

/**
 * How a worker learns of new mail and other signals, with no polling:
 *
 * - mail: a tell that makes an actor ready publishes on its partition's wake channel (the wake key's
 *   name; see lib/enqueue.lua). The worker subscribes to the channels of the partitions it owns, so
 *   a wake costs one pushed message, not a BLPOP round trip that re-blocks on every partition's key
 *   (measured: that loop capped pickups near 5k/s and cost ~60 µs of Redis per wake at 64
 *   partitions). A message lost while the connection is down is covered: on (re)subscribing every
 *   partition is treated as woken, and the lease renewal reports ready actors regardless.
 * - timers and control: rarer, durable lists the worker BLPOPs on its blocking connection.
 */
export class Waker {
  private running = false;
  private loop: Promise<void> | undefined;
  private flavour: Flavour | undefined;
  /** Channel → partition, for the channels subscribed now. */
  private readonly subscribed = new Map<string, number>();

  constructor(
    private readonly blocking: Redis,
    /** A non-blocking connection, to poke the blocking one. */
    private readonly commands: Redis,
    /** A connection in subscriber mode, for wake messages. */
    private readonly subscriber: Redis,
    private readonly keys: Keys,
    private readonly workerId: string,
    private readonly timeoutSec: number,
    private readonly handlers: WakerHandlers,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    const info = await this.commands.info('server');
    const major = Number(/^redis_version:(\d+)/m.exec(info)?.[1] ?? 0);
    const flavour: Flavour =
      major >= 7
        ? { subscribe: 'ssubscribe', unsubscribe: 'sunsubscribe', event: 'smessage' }
        : { subscribe: 'subscribe', unsubscribe: 'unsubscribe', event: 'message' };
    this.flavour = flavour;
    this.subscriber.on(flavour.event, (channel: string, message: string) => {
      const p = this.subscribed.get(channel);
      // the message names the actor that made the partition ready (older senders publish '1')
      if (p !== undefined) this.handlers.wake(p, message.includes('/') ? message : undefined);
    });
    // ioredis subscribes again after a reconnect; what was published in between is lost
    let connected = false;
    this.subscriber.on('ready', () => {
      if (connected) for (const p of this.subscribed.values()) this.handlers.wake(p);
      connected = true;
    });
    this.loop = this.run();
  }

  /** Makes the current BLPOP return so the next one waits on the current partitions. */
  async interrupt(command = WAIT_AGAIN): Promise<void> {
    await this.commands.rpush(this.keys.control(this.workerId), command);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.interrupt(WAIT_STOP).catch(() => undefined);
    await this.loop;
  }

  /** Subscribes to the wake channels of the partitions owned now, and leaves the others. */
  private sync(): void {
    const flavour = this.flavour!;
    const want = new Map<string, number>();
    for (const p of this.handlers.partitions()) want.set(this.keys.wake(p), p);
    const leave = [...this.subscribed.keys()].filter((c) => !want.has(c));
    const join = [...want].filter(([c]) => !this.subscribed.has(c));
    for (const c of leave) this.subscribed.delete(c);
    for (const [c, p] of join) this.subscribed.set(c, p);
    const failed = (err: unknown) => {
      if (this.running)
        this.logger.warn({ err }, 'wake channel (un)subscribe failed; lease renewals still find mail');
    };
    // commands on one connection run in order, so nothing here needs to wait for the one before
    if (leave.length > 0) this.subscriber[flavour.unsubscribe](...leave).catch(failed);
    if (join.length > 0) {
      this.subscriber[flavour.subscribe](...join.map(([c]) => c)).then(() => {
        // mail that arrived before the subscription took effect signalled nobody
        for (const [c, p] of join) if (this.subscribed.get(c) === p) this.handlers.wake(p);
      }, failed);
    }
  }

  private async run(): Promise<void> {
    const ctl = this.keys.control(this.workerId);
    const timerKeys = new Map<string, number>();
    let args: (string | number)[] = [];
    let stale = true;
    while (this.running) {
      if (stale) {
        this.sync();
        timerKeys.clear();
        for (const p of this.handlers.partitions()) timerKeys.set(this.keys.timerWake(p), p);
        args = [...timerKeys.keys(), ctl, this.timeoutSec];
        stale = false;
      }
      let res: [string, string] | null;
      try {
        res = await this.blocking.blpop(...(args as [string, number]));
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err }, 'wait for signals failed; retrying');
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
        if (value !== WAIT_AGAIN && value !== WAIT_STOP) this.handlers.control(value);
        continue;
      }
      const p = timerKeys.get(key);
      if (p !== undefined) this.handlers.timers(p);
    }
  }
}
