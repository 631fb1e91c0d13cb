import { checkArgs } from '../actor/check-args.ts';
import type { ActorRegistry } from '../actor/registry.ts';
import { systemClock, type Clock } from '../clock.ts';
import { ConfigError, SendError, ValidationError } from '../errors.ts';
import { encodeEnvelope, ENVELOPE_VERSION, newMessageId, type Envelope } from '../protocol/envelope.ts';
import { describeRedis, type RedisInput } from '../redis/connection.ts';
import { checkName, type Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { isCluster } from '../redis/client.ts';
import { activeCarrier } from '../tracing/carrier.ts';
import type { TellOnceOptions } from './ref.ts';
import type { Placements } from './placements.ts';
import { replicated, TellBatcher } from './tell-batcher.ts';
import type { Replicas } from '../redis/replicas.ts';

/** How long `tellOnce` drops a repeat of an id, unless the caller says otherwise: a day. */
const DEDUPE_MS = 86_400_000;

/**
 * The compiler let the call through, so a missing argument was most likely declared optional: the
 * compiled method cannot tell `n?: T` from `n: T`.
 */
const OPTIONAL_HINT =
  ' A TypeScript optional parameter (n?: T) is still required at run time: give it a default value' +
  ' (n: T | undefined = undefined), or declare the handler in static schemas.';

/** One actor and where its mail goes: computed once per ref. */
export interface Route {
  type: string;
  id: string;
  /** Its partition; -1 until the client has learnt where the type lives (Placements). */
  p: number;
  akey: string;
  /** The ref's messageTtlMs: each message carries it as `ttl`. */
  ttl?: number | undefined;
}

export interface SenderDeps {
  scripted: ScriptedRedis;
  keys: Keys;
  registry: ActorRegistry;
  placements: Placements;
  clientId: string;
  redis: RedisInput | undefined;
  clock: Clock | undefined;
  maxMessageBytes: number | undefined;
  /** Replicas a send waits for (`waitReplicas`), if any. */
  replicas: Replicas | undefined;
  assertOpen: () => void;
}

/** Builds, checks and stores a client's messages: tell, tellOnce, tellLater, and the send of an ask. */
export class Sender {
  private readonly tells: TellBatcher;
  /** Stamps `sentAt` and the due time of a delayed tell; a test's clock drives both. */
  private readonly clock: Clock;

  constructor(private readonly deps: SenderDeps) {
    this.tells = new TellBatcher(deps.scripted, deps.keys, deps.replicas, isCluster(deps.scripted.redis));
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * An envelope from this client; throws a ValidationError when the args fail the handler's schema.
   * It carries the caller's active trace context as `tc`, if there is one (docs/tracing.md).
   */
  envelope(
    { type, id, ttl }: Route,
    method: string,
    args: unknown[],
    extra: Partial<Envelope> = {},
  ): Envelope {
    checkName('method', method);
    const entry = this.deps.registry.get(type);
    const checked = entry && checkArgs(entry, method, args);
    if (checked && !checked.ok) {
      const missing = args.length < (entry.arity.get(method)?.min ?? 0);
      throw new ValidationError(`${checked.error}; nothing was sent.${missing ? OPTIONAL_HINT : ''}`);
    }
    const env: Envelope = {
      v: ENVELOPE_VERSION,
      id: newMessageId(),
      type,
      actor: id,
      method,
      args,
      sentAt: this.clock.now(),
      sender: this.deps.clientId,
      ...extra,
    };
    if (ttl !== undefined) env.ttl = ttl;
    const tc = activeCarrier();
    if (tc) env.tc = tc;
    return env;
  }

  private encode(env: Envelope): Buffer {
    const bytes = encodeEnvelope(env);
    const max = this.deps.maxMessageBytes ?? 1024 * 1024;
    if (bytes.length > max) {
      throw new ValidationError(
        `${env.type}/${env.actor} ${env.method}: the message is ${bytes.length} bytes, over maxMessageBytes (${max}); ` +
          'send a reference (e.g. a key to the payload) instead, or raise maxMessageBytes on clients and workers',
      );
    }
    return bytes;
  }

  /** Fills in the partition of a route whose type this client has not seen placed yet. */
  private async route(route: Route): Promise<void> {
    await this.deps.placements.learn(route.type);
    route.p = this.deps.placements.partitionOf(route.type, route.id);
  }

  /** Stores the envelope in the actor's mailbox, coalesced with the other tells of this tick. */
  async send(env: Envelope, route: Route): Promise<void> {
    this.deps.assertOpen();
    const bytes = this.encode(env);
    if (route.p < 0) await this.route(route);
    try {
      await this.tells.add(route.p, route.akey, bytes);
    } catch (cause) {
      if (cause instanceof SendError) throw cause;
      throw new SendError(
        `could not confirm ${env.method} to ${route.akey} on Redis at ${describeRedis(this.deps.redis)}: it may or may not be stored. ` +
          'Check that Redis is reachable, then retry (handlers should tolerate a repeat).',
        { cause },
      );
    }
  }

  /** Async, so bad arguments reject the tell rather than throw at the call. */
  async tell(route: Route, method: string, args: unknown[]): Promise<void> {
    return this.send(this.envelope(route, method, args), route);
  }

  async tellOnce(route: Route, once: TellOnceOptions, method: string, args: unknown[]): Promise<boolean> {
    this.deps.assertOpen();
    const messageId = once?.id;
    if (
      typeof messageId !== 'string' ||
      messageId === '' ||
      messageId.length > 200 ||
      messageId.includes('\0')
    ) {
      throw new ConfigError('tellOnce: id must be a non-empty string of at most 200 characters without NUL');
    }
    const dedupeMs = once.dedupeMs ?? DEDUPE_MS;
    if (!Number.isInteger(dedupeMs) || dedupeMs <= 0) {
      throw new ConfigError(`tellOnce: dedupeMs must be a whole number of ms > 0; got ${dedupeMs}`);
    }
    const bytes = this.encode(this.envelope(route, method, args, { id: messageId }));
    if (route.p < 0) await this.route(route);
    const { p, akey } = route;
    const k = this.deps.keys;
    try {
      const keys = [k.mailbox(p, akey), k.ready(p), k.wake(p), k.seen(p, messageId)];
      // in its place among this client's tells to the partition, so one actor's mail keeps its order
      const len = await this.tells.call(p, async () => {
        const [n] = await Promise.all([
          this.deps.scripted.run('tell_once', keys, [akey, bytes, dedupeMs]),
          replicated(this.deps.replicas, keys[0]!, `${method} (id ${messageId}) to ${akey}`),
        ]);
        return n;
      });
      return Number(len) > 0;
    } catch (cause) {
      if (cause instanceof SendError) throw cause;
      throw new SendError(
        `could not confirm ${method} (id ${messageId}) to ${akey}: it may or may not be stored. ` +
          'Check that Redis is reachable, then send it again with the same id: a repeat is dropped.',
        { cause },
      );
    }
  }

  async tellLater(route: Route, delayMs: number, method: string, args: unknown[]): Promise<void> {
    this.deps.assertOpen();
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new ConfigError(`tellLater: delayMs must be a number >= 0; got ${delayMs}`);
    }
    const due = this.clock.now() + delayMs;
    // a time to live counts from when the message falls due
    const bytes = this.encode(this.envelope(route, method, args, delayMs > 0 ? { due } : {}));
    if (route.p < 0) await this.route(route);
    const { p, akey } = route;
    try {
      const keys = [this.deps.keys.timers(p), this.deps.keys.timerWake(p)];
      await Promise.all([
        this.deps.scripted.run('tell_later', keys, [akey, bytes, due]),
        replicated(this.deps.replicas, keys[0]!, `the delayed ${method} to ${akey}`),
      ]);
    } catch (cause) {
      if (cause instanceof SendError) throw cause;
      throw new SendError(
        `could not confirm the delayed ${method} to ${akey}: it may or may not be stored. Check Redis, then retry.`,
        { cause },
      );
    }
  }
}
