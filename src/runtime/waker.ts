import type { Keys } from '../redis/keys.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Logger } from '../logger.ts';

/**
 * Word the worker pushes onto its own control list to end its BLPOP: an internal wake-up of the
 * wait loop, never passed on as a command (those are in protocol/control.ts). Workers before
 * layout 4 also pushed `keys` to re-read their keys; it is ignored too.
 */
const WAIT_STOP = 'stop';
const INTERNAL = new Set([WAIT_STOP, 'keys']);

export interface WakerHandlers {
  /** The partitions whose signals to take. */
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
  | { subscribe: 'subscribe'; unsubscribe: 'unsubscribe'; event: 'message' };

/** What a channel announces, and for which partition. */
interface Channel {
  p: number;
  kind: 'mail' | 'timers';
}

/**
 * How a worker learns of new mail and other signals, with no polling:
 *
 * - mail and delayed tells: a tell that makes an actor ready publishes on its partition's wake
 *   channel (the wake key's name; see lib/enqueue.lua), a delayed tell on its timer-wake channel.
 *   The worker subscribes to both channels of each partition it owns, one subscription per
 *   partition, so on a Redis Cluster each goes to the shard holding the partition's slot. A wake
 *   costs one pushed message, not a BLPOP round trip that re-blocks on every partition's key
 *   (measured: that loop capped pickups near 5k/s and cost ~60 µs of Redis per wake at 64
 *   partitions). A message lost while the connection is down is covered: on (re)subscribing every
 *   partition is treated as woken, and the lease renewal reports ready actors and due timers.
 * - control commands: a durable list per worker, which it BLPOPs alone (one key: one slot).
 */
export class Waker {
  private running = false;
  private loop: Promise<void> | undefined;
  private flavour: Flavour | undefined;
  /** Channel → what it announces, for the channels subscribed now. */
  private readonly subscribed = new Map<string, Channel>();

  constructor(
    private readonly blocking: RedisClient,
    /** A non-blocking connection, to poke the blocking one. */
    private readonly commands: RedisClient,
    /** A connection in subscriber mode (on a cluster, with sharded subscribers), for wake messages. */
    private readonly subscriber: RedisClient,
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
      const ch = this.subscribed.get(channel);
      if (!ch) return;
      if (ch.kind === 'timers') this.handlers.timers(ch.p);
      // the message names the actor that made the partition ready (older senders publish '1')
      else this.handlers.wake(ch.p, message.includes('/') ? message : undefined);
    });
    // ioredis subscribes again after a reconnect; what was published in between is lost
    let connected = false;
    this.subscriber.on('ready', () => {
      if (connected) this.wakeAll(this.partitionsSubscribed());
      connected = true;
    });
    this.sync();
    this.loop = this.run();
  }

  /** Subscribes to the channels of the partitions owned now, and leaves the others. */
  sync(): void {
    if (!this.running) return;
    const flavour = this.flavour!;
    const want = new Set(this.handlers.partitions());
    const have = new Set(this.partitionsSubscribed());
    const failed = (err: unknown) => {
      if (this.running)
        this.logger.warn({ err }, 'wake channel (un)subscribe failed; lease renewals still find mail');
    };
    // commands on one connection run in order, so nothing here needs to wait for the one before;
    // a partition's two channels share its slot, so each call stays within one cluster shard
    for (const p of have) {
      if (want.has(p)) continue;
      const channels = this.channelsOf(p);
      for (const c of channels) this.subscribed.delete(c);
      this.subscriber[flavour.unsubscribe](...channels).catch(failed);
    }
    for (const p of want) {
      if (have.has(p)) continue;
      const [mail, timers] = this.channelsOf(p);
      this.subscribed.set(mail, { p, kind: 'mail' });
      this.subscribed.set(timers, { p, kind: 'timers' });
      this.subscriber[flavour.subscribe](mail, timers).then(() => {
        // mail or timers that arrived before the subscription took effect signalled nobody
        if (this.subscribed.get(mail)?.p === p) this.wakeAll([p]);
      }, failed);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.commands.rpush(this.keys.control(this.workerId), WAIT_STOP).catch(() => undefined);
    await this.loop;
  }

  private channelsOf(p: number): [mail: string, timers: string] {
    return [this.keys.wake(p), this.keys.timerWake(p)];
  }

  private partitionsSubscribed(): number[] {
    return [...this.subscribed.values()].filter((c) => c.kind === 'mail').map((c) => c.p);
  }

  private wakeAll(partitions: Iterable<number>): void {
    for (const p of partitions) {
      this.handlers.wake(p);
      this.handlers.timers(p);
    }
  }

  private async run(): Promise<void> {
    const ctl = this.keys.control(this.workerId);
    while (this.running) {
      let res: [string, string] | null;
      try {
        res = await this.blocking.blpop(ctl, this.timeoutSec);
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err }, 'wait for control commands failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (res && !INTERNAL.has(res[1])) this.handlers.control(res[1]);
    }
  }
}
