/**
 * The dashboard's live view: one `admin.info()` every `sampleMs`, turned into a point of history
 * (committed messages/s, mail and dead letters per type, each worker's turns/s and busy share) that
 * every open page receives as a server-sent event. The history is kept in memory, so the charts
 * show what happened since the dashboard started, up to `historyMs` back.
 */
import type { Troupe } from '../client/troupe.ts';
import type { SystemInfo } from '../client/info.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

/** One point of the charts. */
export interface Sample {
  /** ms since the epoch, on the Redis clock. */
  at: number;
  /** Turns committed per second by the live workers since the previous sample. */
  committedPerSec: number;
  /** Messages waiting, per type. */
  mailbox: Record<string, number>;
  /** Dead letters, per type. */
  deadLetters: Record<string, number>;
}

/** A worker's rates since the previous sample. */
export interface WorkerRate {
  turnsPerSec: number;
  /** Share of the interval its turns were running, summed over its concurrent turns (0..concurrency). */
  busy: number;
}

/** What each open page gets every sample: the point, and the state now. */
export interface LiveUpdate {
  sample: Sample;
  info: SystemInfo;
  rates: Record<string, WorkerRate>;
}

/** Options of {@link LiveView}. */
export interface LiveOptions {
  troupe: Troupe;
  /** How often to read the system (default 2 000 ms). */
  sampleMs?: number;
  /** How much history to keep (default 30 minutes). */
  historyMs?: number;
  clock: Clock;
  logger: Logger;
}

interface Listener {
  update: (update: LiveUpdate) => void;
  /** The view stopped: end the stream, so the server can close. */
  end: () => void;
}

export class LiveView {
  private readonly history: Sample[] = [];
  private readonly listeners = new Set<Listener>();
  private last: { at: number; turns: Map<string, { done: number; busyMs: number }> } | undefined;
  private latest: LiveUpdate | undefined;
  private timer: unknown;
  private stopped = false;
  private reading: Promise<void> | undefined;
  private readonly sampleMs: number;
  private readonly historyMs: number;

  constructor(private readonly opts: LiveOptions) {
    this.sampleMs = opts.sampleMs ?? 2_000;
    this.historyMs = opts.historyMs ?? 30 * 60_000;
  }

  /** Takes the first sample, then one every `sampleMs`. */
  async start(): Promise<void> {
    await this.sample();
    this.next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.clock.clearTimeout(this.timer);
    await this.reading;
    for (const l of this.listeners) l.end();
    this.listeners.clear();
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => void this.sample().then(() => this.next()), this.sampleMs);
  }

  /** The points kept, oldest first, and the newest state. */
  async snapshot(): Promise<{ history: Sample[]; latest: LiveUpdate }> {
    if (!this.latest) await this.sample();
    return { history: [...this.history], latest: this.latest! };
  }

  /** Calls `listener.update` with every new sample until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads a sample now (an action just changed the system: show it without waiting). */
  refresh(): Promise<void> {
    return this.sample();
  }

  private sample(): Promise<void> {
    // one read at a time: a slow Redis makes samples late, never piled up
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    let info: SystemInfo;
    try {
      info = await this.opts.troupe.admin.info({ top: 20, deadLetters: 10, events: 20 });
    } catch (err) {
      this.opts.logger.warn({ err }, 'dashboard: reading the system failed; retrying at the next sample');
      return;
    }
    const update = this.point(info);
    this.latest = update;
    this.history.push(update.sample);
    while (this.history.length > 0 && this.history[0]!.at < update.sample.at - this.historyMs)
      this.history.shift();
    for (const l of this.listeners) l.update(update);
  }

  private point(info: SystemInfo): LiveUpdate {
    const turns = new Map(
      info.workers.map((w) => [w.name, { done: w.turnsSucceeded + w.turnsFailed, busyMs: w.busyMs }]),
    );
    const rates: Record<string, WorkerRate> = {};
    let committed = 0;
    const prev = this.last;
    const secs = prev ? (info.at - prev.at) / 1000 : 0;
    for (const [name, now] of turns) {
      const before = prev?.turns.get(name);
      // a worker new since the last sample, or restarted under the same name, counts from zero
      const fresh = !before || now.done < before.done;
      const done = fresh ? 0 : now.done - before.done;
      const busyMs = fresh ? 0 : Math.max(0, now.busyMs - before.busyMs);
      rates[name] = {
        turnsPerSec: secs > 0 ? done / secs : 0,
        busy: secs > 0 ? busyMs / (secs * 1000) : 0,
      };
      committed += done;
    }
    this.last = { at: info.at, turns };
    const mailbox: Record<string, number> = {};
    const deadLetters: Record<string, number> = {};
    for (const t of info.types) {
      mailbox[t.type] = t.mailbox;
      deadLetters[t.type] = t.deadLetters;
    }
    return {
      sample: { at: info.at, committedPerSec: secs > 0 ? committed / secs : 0, mailbox, deadLetters },
      info,
      rates,
    };
  }
}
