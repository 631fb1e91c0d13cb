import type { ClusterOptions, RedisOptions } from 'ioredis';
import { nanoid } from 'nanoid';
import { actorTypeName, type Actor } from '../actor/actor.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import type { ActorClass, InstanceOf } from '../actor/types.ts';
import { systemClock, type Clock } from '../clock.ts';
import { ClosedError, ConfigError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { entriesAsOf, foldLog } from '../protocol/log.ts';
import { actorKey } from '../protocol/partition.ts';
import { BLOCKING, COMMAND_TIMEOUT_MS, closeRedis, openRedis, type RedisInput } from '../redis/connection.ts';
import type { RedisClient } from '../redis/client.ts';
import { requireLayout } from '../redis/meta.ts';
import { replicasFor } from '../redis/replicas.ts';
import { readLog } from '../redis/context-log.ts';
import { checkName, type Keys } from '../redis/keys.ts';
import { withScripts, type ScriptedRedis } from '../redis/scripts.ts';
// types only: the runtime is loaded by work(), so a process that only sends never loads it
import type { Worker, WorkOptions } from '../runtime/worker.ts';
import { Admin } from './admin.ts';
import { schedulesOf, type Schedule } from '../protocol/repeat-record.ts';
import { BoundRef, type RefBackend } from './bound-ref.ts';
import { explainAskTimeout } from './ask-timeout.ts';
import { DeadLetters } from './dead-letters.ts';
import { ActorDirectory } from './directory.ts';
import type { Placements } from './placements.ts';
import type { ActorRef, ReadOptions, RefOptions, UntypedActor } from './ref.ts';
import { ReplyListener } from './replies.ts';
import { Sender, type Route } from './sender.ts';
import { installSendFunctions } from './send-functions.ts';

/** Options of `connect()`. */
export interface ConnectOptions {
  /** A Redis URL or ioredis options (default: `REDIS_URL`, else redis://127.0.0.1:6379). */
  redis?: RedisInput | undefined;
  /** Isolates systems sharing one Redis (default `"default"`). */
  namespace?: string | undefined;
  /** Actor classes this process can run (worker) or read. */
  actors?: readonly ActorClass[] | undefined;
  /** Partition count, only when the namespace is first created (default 64). */
  partitions?: number | undefined;
  /**
   * Create the namespace if it does not exist (default true). Operator tools pass false, so a
   * mistyped namespace is an error rather than a new, empty system.
   */
  create?: boolean | undefined;
  /** Default time `ask` waits for a reply (default 30 000 ms). */
  askTimeoutMs?: number | undefined;
  /** A pino-compatible logger (default: silent). */
  logger?: Logger | undefined;
  /** Time source; tests inject one. */
  clock?: Clock | undefined;
  /** Messages larger than this are refused before sending (default 1 MiB, as workers take). */
  maxMessageBytes?: number | undefined;
  /**
   * A Redis command with no reply after this long fails (default 10 000 ms): a tell rejects with a
   * SendError instead of hanging when Redis goes away mid-command.
   */
  commandTimeoutMs?: number | undefined;
  /**
   * Replicas that must acknowledge a write before it counts (Redis `WAIT`; default 0): a `tell`
   * resolves, and a worker counts a turn's commit as done, only once this many replicas have it, so
   * a failover cannot lose it. When fewer acknowledge within `waitTimeoutMs`, the tell rejects with
   * a SendError (the message is stored on the primary; sending it again may deliver it twice) and the
   * worker treats the commit's outcome as unknown (it takes the partition afresh; the context stays
   * exact). Works on a Redis Cluster and on a standalone Redis with replicas.
   *
   * @example
   * ```ts
   * const troupe = await connect({ redis: { cluster: seeds }, waitReplicas: 1 });
   * ```
   */
  waitReplicas?: number | undefined;
  /** How long a write waits for `waitReplicas` replicas (default 5 000 ms). */
  waitTimeoutMs?: number | undefined;
}

/**
 * A connection to one Troupe system (one namespace on one Redis). Create it with `connect()`.
 */
export class Troupe {
  /** This client's id: the sender of its messages and the owner of its reply list. */
  readonly clientId = nanoid(12);
  private readonly workers = new Set<Worker>();
  private readonly replies: ReplyListener;
  private readonly sender: Sender;
  private readonly refBackend: RefBackend;
  private closed = false;
  /**
   * The namespace's dead letters: messages workers could not handle. List, show, retry, purge.
   *
   * @example
   * ```ts
   * const dead = await troupe.deadLetters.list({ reason: 'handler-error', limit: 10 });
   * await troupe.deadLetters.retry(dead.map((d) => d.id));
   * ```
   */
  readonly deadLetters: DeadLetters;
  /**
   * Operating the namespace: live workers, pausing actor types, shutting workers down, stopping a
   * stuck turn.
   *
   * @example
   * ```ts
   * const workers = await troupe.admin.workers();
   * await troupe.admin.pause('order');
   * ```
   */
  readonly admin: Admin;

  /** @internal Use `connect()`. */
  constructor(
    private readonly redis: RedisClient,
    private readonly scripted: ScriptedRedis,
    readonly keys: Keys,
    /** The partition count of the default pool (every pool has its own: see docs/protocol.md "Pools"). */
    readonly partitions: number,
    private readonly registry: ActorRegistry,
    private readonly placements: Placements,
    private readonly options: ConnectOptions,
  ) {
    this.sender = new Sender({
      scripted,
      keys,
      registry,
      placements,
      clientId: this.clientId,
      redis: options.redis,
      clock: options.clock,
      maxMessageBytes: options.maxMessageBytes,
      replicas: replicasFor(options.waitReplicas, options.waitTimeoutMs, redis),
      assertOpen: () => this.assertOpen(),
    });
    this.replies = new ReplyListener(() => this.openBlocking(), keys.replies(this.clientId));
    this.refBackend = {
      sender: this.sender,
      ask: (method, args, timeoutMs, at) => this.ask(method, args, timeoutMs, at),
      read: (type, id, opts) => this.read(type, id, opts),
      schedules: (type, id) => this.schedules(type, id),
    };
    this.deadLetters = new DeadLetters({
      redis,
      scripted,
      keys,
      assertOpen: () => this.assertOpen(),
    });
    this.admin = new Admin({
      redis,
      keys,
      assertOpen: () => this.assertOpen(),
      classOf: (type) => this.registry.get(type),
    });
  }

  /** A timed-out commit has an unknown outcome, which the worker handles by re-taking the partition. */
  private open(extra: RedisOptions = {}, clusterExtra: ClusterOptions = {}): RedisClient {
    const commandTimeout = this.options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
    return openRedis(this.options.redis, { commandTimeout, ...extra }, this.options.logger, clusterExtra);
  }

  private openBlocking(): RedisClient {
    return openRedis(this.options.redis, BLOCKING, this.options.logger);
  }

  /** The namespace this client works in. */
  get namespace(): string {
    return this.keys.ns;
  }

  /**
   * A typed handle on one actor, from its class (`troupe.ref(Counter, 'c-1')`) or, where only the
   * type is imported, from its type name (`troupe.ref<typeof Counter>('counter', 'c-1')`).
   */
  ref<C extends ActorClass>(cls: C, id: string, options?: RefOptions): ActorRef<InstanceType<C>>;
  ref<T = UntypedActor>(type: string, id: string, options?: RefOptions): ActorRef<InstanceOf<T>>;
  ref(clsOrType: string | ActorClass, id: string, options: RefOptions = {}): ActorRef<unknown> {
    let type: string;
    if (typeof clsOrType === 'string') type = clsOrType;
    else {
      type = actorTypeName(clsOrType);
      this.registry.add(clsOrType);
    }
    checkName('actor type', type);
    if (typeof id !== 'string' || id === '' || id.includes('\0')) {
      throw new ConfigError('an actor id must be a non-empty string without NUL characters');
    }
    const timeout = options.askTimeoutMs ?? this.options.askTimeoutMs ?? 30_000;
    const ttl = options.messageTtlMs;
    if (ttl !== undefined && (!Number.isFinite(ttl) || ttl <= 0)) {
      throw new ConfigError(
        `messageTtlMs must be a positive number of ms (or left out for none); got ${ttl}`,
      );
    }
    // a ref is typically reused for many sends: route it once (or at its first send, if its type
    // is new to this client)
    const p = this.placements.known(type) ? this.placements.partitionOf(type, id) : -1;
    const at: Route = { type, id, p, akey: actorKey(type, id), ttl };
    return new BoundRef(this.refBackend, at, timeout) as unknown as ActorRef<unknown>;
  }

  /**
   * The actors of a type: `ids()` lists them (or those whose indexes meet a `where`), `count()`
   * counts them. From the class (its `static indexes` are checked against the query) or, where only
   * the type is imported, from its type name.
   *
   * @example
   * ```ts
   * const orders = troupe.actors(Order);
   * for await (const id of orders.ids({ where: { status: 'late', total: { gte: 100 } } })) console.log(id);
   * const paid = await orders.count({ where: { status: 'paid' } });
   * ```
   */
  actors<C extends ActorClass>(cls: C): ActorDirectory<C>;
  actors<T = ActorClass>(type: string): ActorDirectory<T>;
  actors(clsOrType: string | ActorClass): ActorDirectory<unknown> {
    this.assertOpen();
    const entry =
      typeof clsOrType === 'string'
        ? this.registry.get(checkName('actor type', clsOrType))
        : this.registry.add(clsOrType);
    return new ActorDirectory({
      redis: this.redis,
      scripted: this.scripted,
      keys: this.keys,
      placements: this.placements,
      type: entry?.type ?? (clsOrType as string),
      entry,
      assertOpen: () => this.assertOpen(),
    });
  }

  /** Starts a worker in this process: it leases partitions and runs turns for their actors. */
  async work(options: WorkOptions = {}): Promise<Worker> {
    this.assertOpen();
    if (this.registry.size === 0) {
      throw new ConfigError('a worker needs actor classes: pass them in connect({ actors: [MyActor] })');
    }
    // before any connection opens: a namespace in another layout is refused, naming the fix
    await requireLayout(this.redis, this.keys, 'a worker');
    const { Worker } = await import('../runtime/worker.ts');
    // on a single Redis the worker's script calls cork the socket per tick instead (redis/cork.ts)
    const commands = this.open({ enableAutoPipelining: false }, { enableAutoPipelining: true });
    await installSendFunctions(commands, this.options.logger ?? silentLogger);
    const blocking = this.openBlocking();
    // on a cluster, one subscriber connection per shard: each partition's channels are in its slot
    const subscriber = openRedis(this.options.redis, BLOCKING, this.options.logger, {
      shardedSubscribers: true,
    });
    const worker = new Worker(
      {
        commands,
        blocking,
        subscriber,
        scripted: withScripts(commands),
        keys: this.keys,
        placement: this.placements.current,
        replicas: replicasFor(this.options.waitReplicas, this.options.waitTimeoutMs, commands),
        registry: this.registry,
        clock: this.options.clock ?? systemClock,
        logger: this.options.logger ?? silentLogger,
      },
      options,
    );
    const stop = worker.stop.bind(worker);
    worker.stop = async () => {
      await stop();
      this.workers.delete(worker);
      commands.disconnect();
      blocking.disconnect();
      subscriber.disconnect();
    };
    this.workers.add(worker);
    await worker.start();
    return worker;
  }

  /** Stops this client's workers gracefully and closes its connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.stop()));
    await this.replies.close();
    await closeRedis(this.redis);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private async ask(method: string, args: unknown[], timeoutMs: number, at: Route): Promise<unknown> {
    const corr = nanoid(12);
    const env = this.sender.envelope(at, method, args, { replyTo: this.clientId, corr });
    const what = `ask ${method} to ${at.akey}`;
    const answer = this.replies.expect(corr, timeoutMs, what);
    try {
      await this.sender.send(env, at);
    } catch (err) {
      this.replies.cancel(corr, err as Error);
    }
    try {
      return await answer;
    } catch (err) {
      // a closed client's abandoned asks need no explaining (and its connection is gone)
      if (this.closed) throw err;
      throw await explainAskTimeout(err, this.redis, this.keys, { type: at.type, what, timeoutMs });
    }
  }

  private async schedules(type: string, id: string): Promise<Schedule[]> {
    this.assertOpen();
    if (!this.placements.known(type)) await this.placements.learn(type);
    const p = this.placements.partitionOf(type, id);
    return schedulesOf(await this.redis.hgetallBuffer(this.keys.repeats(p, actorKey(type, id))));
  }

  private async read(type: string, id: string, opts: ReadOptions = {}): Promise<unknown> {
    this.assertOpen();
    const entry = this.registry.require(type);
    if (!this.placements.known(type)) await this.placements.learn(type);
    const p = this.placements.partitionOf(type, id);
    const akey = actorKey(type, id);
    const instance = new entry.cls() as Actor;
    const fold = (entries: Buffer[], at?: number) =>
      foldLog(
        entries,
        () => instance.initial(),
        (ctx, seg) => instance.apply(ctx, seg),
        at,
      );
    const where = { p, akey, partitions: this.placements.current.countAt(p) };
    if (opts.at === undefined) return fold((await readLog(this.redis, this.keys, where)).log).ctx;
    const at = opts.at;
    const { log, history } = await readLog(this.redis, this.keys, where, { history: true });
    const found = entriesAsOf(log, history, at);
    if ('entries' in found) return fold(found.entries, at).ctx;
    const since = new Date(found.since).toISOString();
    throw new ConfigError(
      `${akey} has no history before ${since}: merged segments are not kept. ` +
        `Set \`static merge = { retainMs: ... }\` on the ${type} class to look further back.`,
    );
  }
}
