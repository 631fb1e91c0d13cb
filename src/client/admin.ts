import type { RedisClient } from '../redis/client.ts';
import { nanoid } from 'nanoid';
import { ConfigError, TimeoutError } from '../errors.ts';
import { actorKey } from '../protocol/partition.ts';
import { readPlacement } from '../redis/placement-store.ts';
import { checkName, type Keys } from '../redis/keys.ts';
import { encodeControl, type AbortOutcome, type ControlCommand } from '../protocol/control.ts';
import { systemInfo, type SystemInfo, type SystemInfoOptions } from './info.ts';
import { liveWorkers, pausedTypes, workerEvents, type WorkerEvent, type WorkerInfo } from './registry.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { inspectActor, type InspectOptions } from './inspect.ts';
import type { InspectReport } from './inspection.ts';

export type { WorkerEvent, WorkerInfo } from './registry.ts';

/** How long a command waits for workers to act on it. */
export interface AdminWaitOptions {
  /** Give up after this long, in ms (default: twice the longest lease of the live workers). */
  timeoutMs?: number;
}

/** What `abortTurn` found. */
export interface AbortResult {
  /** The worker that owns the actor's partition, or undefined when none does. */
  worker: string | undefined;
  /** `aborted`: the turn was stopped; `not-running`: no handler was running for the actor. */
  outcome: AbortOutcome | 'no-owner';
}

const POLL_MS = 100;

/**
 * Operating a namespace from code: the live workers, and commands sent to them over Redis —
 * shut one down, pause and resume an actor type, stop a stuck turn. The `troupe workers`,
 * `troupe shutdown`, `troupe pause`, `troupe resume` and `troupe abort` commands are built on it.
 *
 * @example
 * ```ts
 * for (const w of await troupe.admin.workers()) console.log(w.name, w.partitions.length, w.turnsSucceeded);
 * await troupe.admin.pause('order');            // resolves once every live worker applies it
 * await troupe.admin.resume('order');
 * await troupe.admin.shutdown('web-1:4242:Xa9'); // resolves once it has left the registry
 * ```
 */
export class Admin {
  /** @internal Use `troupe.admin`. */
  constructor(
    private readonly deps: {
      redis: RedisClient;
      keys: Keys;
      assertOpen: () => void;
      /** The connection's class of a type, to fold contexts. */
      classOf: (type: string) => RegisteredActor | undefined;
    },
  ) {}

  /** The live workers, sorted by name. A worker whose heartbeat expired is not listed. */
  async workers(): Promise<WorkerInfo[]> {
    this.deps.assertOpen();
    return liveWorkers(this.deps.redis, this.deps.keys);
  }

  /** The newest worker events first (births, clean exits, deaths found by a heartbeat). */
  async workerEvents(limit = 20): Promise<WorkerEvent[]> {
    this.deps.assertOpen();
    return workerEvents(this.deps.redis, this.deps.keys, limit);
  }

  /**
   * The whole system on one page, as `troupe info --json` prints it: workers, partitions and their
   * owners, ready queues, the fullest mailboxes, dead letters, paused types, merges pending.
   */
  async info(options: SystemInfoOptions = {}): Promise<SystemInfo> {
    this.deps.assertOpen();
    return systemInfo(this.deps, options);
  }

  /**
   * Asks a worker to stop gracefully (as SIGTERM does: turns in flight commit, partitions are handed
   * over at once) and resolves once it has left the registry.
   */
  async shutdown(worker: string, options: AdminWaitOptions = {}): Promise<void> {
    const target = await this.live(worker);
    await this.send([target], { kind: 'shutdown' });
    await this.until(
      async () => !(await this.workers()).some((w) => w.name === worker),
      options.timeoutMs ?? 2 * target.leaseMs + 5_000,
      `worker ${worker} did not leave the registry: it may be busy finishing long turns; check its log`,
    );
  }

  /**
   * Pauses an actor type everywhere: no new turn of it starts (turns in flight finish) and its mail
   * waits, kept safe, until `resume`. Resolves once every live worker applies it; lasts across
   * worker restarts until resumed.
   */
  async pause(type: string, options: AdminWaitOptions = {}): Promise<string[]> {
    checkName('actor type', type);
    this.deps.assertOpen();
    await this.deps.redis.sadd(this.deps.keys.pausedTypes(), type);
    return this.broadcastPaused((w) => w.paused.includes(type), options);
  }

  /** Resumes a paused actor type: its held actors go back on the ready queues. */
  async resume(type: string, options: AdminWaitOptions = {}): Promise<string[]> {
    checkName('actor type', type);
    this.deps.assertOpen();
    await this.deps.redis.srem(this.deps.keys.pausedTypes(), type);
    return this.broadcastPaused((w) => !w.paused.includes(type), options);
  }

  /**
   * Everything Redis holds about one actor, read without writing anything (as `troupe inspect`
   * prints it): its log's base and newest segments, retained history, merge state, mailbox and
   * directory record. With its class among the connection's actors, also its context folded as
   * `read()` does, as of `at` when given.
   *
   * @example
   * ```ts
   * const r = await troupe.admin.inspect('order', 'o-1', { last: 20 });
   * console.log(r.context, r.mailbox, r.last.map((s) => s.time));
   * ```
   */
  async inspect(type: string, id: string, options: InspectOptions = {}): Promise<InspectReport> {
    checkName('actor type', type);
    if (typeof id !== 'string' || id === '') throw new ConfigError('an actor id must be a non-empty string');
    this.deps.assertOpen();
    return inspectActor(this.deps.redis, this.deps.keys, type, id, this.deps.classOf(type), options);
  }

  /** The actor types paused now. */
  async pausedTypes(): Promise<string[]> {
    this.deps.assertOpen();
    return pausedTypes(this.deps.redis, this.deps.keys);
  }

  /**
   * Stops the turn running now for one actor: its `this.signal` is aborted and its message goes to
   * the dead letters (reason `handler-error`, a TurnAbortedError), from where it can be retried. A
   * handler stuck in synchronous code holds its worker's event loop, so no command reaches it:
   * restart that worker (`kill -9`; its mail is handled again by the next owner).
   */
  async abortTurn(type: string, id: string, options: AdminWaitOptions = {}): Promise<AbortResult> {
    checkName('actor type', type);
    this.deps.assertOpen();
    const { redis, keys } = this.deps;
    const placement = await readPlacement(redis, keys);
    const owner = await redis.get(keys.owner(placement.partitionOf(type, id)));
    if (!owner) return { worker: undefined, outcome: 'no-owner' };
    const replyTo = keys.adminReply(nanoid(12));
    const target = (await this.workers()).find((w) => w.name === owner);
    const leaseMs = target?.leaseMs ?? 10_000;
    await this.send([{ name: owner, leaseMs }], { kind: 'abort', akey: actorKey(type, id), replyTo });
    const timeoutMs = options.timeoutMs ?? leaseMs + 5_000;
    const reply = await redis.blpop(replyTo, timeoutMs / 1000);
    if (!reply) throw new TimeoutError(`worker ${owner} did not answer within ${timeoutMs} ms: is it alive?`);
    await redis.del(replyTo);
    return { worker: owner, outcome: reply[1] as AbortOutcome };
  }

  private async live(worker: string): Promise<WorkerInfo> {
    this.deps.assertOpen();
    const all = await this.workers();
    const found = all.find((w) => w.name === worker);
    if (!found) {
      const names = all.map((w) => w.name).join(', ') || 'none';
      throw new ConfigError(`no live worker named "${worker}" (live: ${names}); see "troupe workers"`);
    }
    return found;
  }

  /** Pushes `cmd` onto the control list of each worker, in one round trip. */
  private async send(to: readonly { name: string; leaseMs: number }[], cmd: ControlCommand): Promise<void> {
    const pipe = this.deps.redis.multi();
    for (const w of to) {
      const key = this.deps.keys.control(w.name);
      // a command for a worker that died unseen must not wait forever for a successor of that name
      pipe.rpush(key, encodeControl(cmd)).pexpire(key, w.leaseMs * 3);
    }
    await pipe.exec();
  }

  /** Tells every live worker the paused set changed; resolves with their names once all apply it. */
  private async broadcastPaused(
    applied: (w: WorkerInfo) => boolean,
    options: AdminWaitOptions,
  ): Promise<string[]> {
    const workers = await this.workers();
    if (workers.length > 0) await this.send(workers, { kind: 'paused' });
    const longest = Math.max(1_000, ...workers.map((w) => w.leaseMs));
    let names: string[] = [];
    await this.until(
      async () => {
        // a worker that died meanwhile drops out of the list; one that joined read the set at start
        const now = await this.workers();
        names = now.map((w) => w.name);
        return now.every(applied);
      },
      options.timeoutMs ?? 2 * longest,
      'not every live worker confirmed the change; see "troupe workers" for what each applies',
    );
    return names;
  }

  private async until(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await done()) return;
      if (Date.now() > deadline) throw new TimeoutError(`timed out after ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
