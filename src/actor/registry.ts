import { ConfigError } from '../errors.ts';
import { DEFAULT_POOL } from '../protocol/placement.ts';
import { checkName } from '../redis/keys.ts';
import { Actor, actorTypeName } from './actor.ts';
import type { MergePolicy, RetryPolicy } from './policies.ts';
import { arityOf, type Arity } from './arity.ts';
import type { StandardSchemaV1 } from './schema.ts';
import { checkFlowLimits, type FlowLimits } from './flow-limits.ts';
import type { ActorClass } from './types.ts';

export interface RegisteredActor {
  type: string;
  cls: ActorClass;
  /** Public methods that may be called by messages. */
  handlers: ReadonlySet<string>;
  merge: Required<MergePolicy>;
  /** Retry settings for a method (type defaults with its override). */
  retryFor(method: string): Required<Omit<RetryPolicy, 'methods'>>;
  timeoutMs: number;
  /** The pool its actors live in (`static pool`, default `'default'`). */
  pool: string;
  /** Default time to live of its messages in ms; 0 for none. */
  messageTtlMs: number;
  /** Whether a message's last failed attempt pauses the actor (else the mailbox moves on). */
  pauseOnDeadLetter: boolean;
  /** Argument schema of each handler that has one. */
  schemas: ReadonlyMap<string, StandardSchemaV1>;
  /** Declared parameters of each handler whose declaration could be read (see arity.ts). */
  arity: ReadonlyMap<string, Arity>;
  /** Its secondary indexes (`static indexes`), in declaration order. */
  indexes: readonly IndexField[];
  /** Its flow control (`static concurrency`, `static rateLimit`), before a worker's overrides. */
  limits: FlowLimits;
}

/** One secondary index of a type: the field name and the function of the context it indexes. */
export interface IndexField {
  name: string;
  value: (ctx: unknown) => unknown;
}

function indexFields(type: string, defs: unknown): IndexField[] {
  if (defs === undefined) return [];
  if (typeof defs !== 'object' || defs === null || Array.isArray(defs)) {
    throw new ConfigError(
      `${type}: static indexes must be an object of functions, e.g. { status: (ctx) => ctx.status }`,
    );
  }
  return Object.entries(defs as Record<string, unknown>).map(([name, fn]) => {
    checkName(`${type}: static indexes field`, name);
    if (typeof fn !== 'function') {
      throw new ConfigError(
        `${type}: static indexes.${name} must be a function of the context; got ${typeof fn}`,
      );
    }
    return { name, value: fn as (ctx: unknown) => unknown };
  });
}

export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'methods'>> = {
  attempts: 3,
  backoffMs: 100,
  maxBackoffMs: 30_000,
  jitter: 0.2,
};

function retryPolicy(
  type: string,
  policy: RetryPolicy = {},
): (method: string) => Required<Omit<RetryPolicy, 'methods'>> {
  const check = (where: string, p: Omit<RetryPolicy, 'methods'>) => {
    const out = { ...DEFAULT_RETRY, ...p };
    if (!Number.isInteger(out.attempts) || out.attempts < 1) {
      throw new ConfigError(
        `${type}: ${where}.attempts must be a whole number >= 1; got ${String(out.attempts)}`,
      );
    }
    for (const k of ['backoffMs', 'maxBackoffMs', 'jitter'] as const) {
      if (!Number.isFinite(out[k]) || out[k] < 0) {
        throw new ConfigError(`${type}: ${where}.${k} must be a number >= 0; got ${String(out[k])}`);
      }
    }
    return out;
  };
  const { methods = {}, ...base } = policy;
  const byType = check('static retry', base);
  const byMethod = new Map(
    Object.entries(methods).map(([m, p]) => [m, check(`static retry.methods.${m}`, { ...base, ...p })]),
  );
  return (method) => byMethod.get(method) ?? byType;
}

export const DEFAULT_MERGE: Required<MergePolicy> = { segments: 256, bytes: 64 * 1024, retainMs: 0 };

function mergePolicy(type: string, policy: MergePolicy = {}): Required<MergePolicy> {
  const out = { ...DEFAULT_MERGE, ...policy };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v) || v < 0) {
      throw new ConfigError(`${type}: static merge.${k} must be a number >= 0; got ${String(v)}`);
    }
  }
  return out;
}

function handlerNames(cls: ActorClass): Set<string> {
  const names = new Set<string>();
  for (
    let proto: unknown = cls.prototype;
    proto && proto !== Actor.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      if (desc && typeof desc.value === 'function') names.add(name);
    }
  }
  for (const reserved of ['initial', 'apply']) names.delete(reserved);
  return names;
}

function arityMap(cls: ActorClass, handlers: ReadonlySet<string>): Map<string, Arity> {
  const proto = cls.prototype as unknown as Record<string, (...args: never[]) => unknown>;
  const out = new Map<string, Arity>();
  for (const name of handlers) {
    const arity = arityOf(proto[name]!);
    if (arity) out.set(name, arity);
  }
  return out;
}

function schemaMap(
  type: string,
  schemas: Record<string, StandardSchemaV1> = {},
): Map<string, StandardSchemaV1> {
  for (const [method, schema] of Object.entries(schemas)) {
    if (typeof (schema as Partial<StandardSchemaV1> | undefined)?.['~standard']?.validate !== 'function') {
      throw new ConfigError(
        `${type}: static schemas.${method} is not a Standard Schema (zod 3.24+, valibot 1+, arktype, …)`,
      );
    }
  }
  return new Map(Object.entries(schemas));
}

function onDeadLetter(type: string, mode: unknown = 'continue'): boolean {
  if (mode !== 'continue' && mode !== 'pause') {
    throw new ConfigError(`${type}: static onDeadLetter must be 'continue' or 'pause'; got ${String(mode)}`);
  }
  return mode === 'pause';
}

/** The actor classes one process knows, by type name. */
export class ActorRegistry {
  private readonly byType = new Map<string, RegisteredActor>();

  constructor(classes: readonly ActorClass[] = []) {
    for (const cls of classes) this.add(cls);
  }

  add(cls: ActorClass): RegisteredActor {
    if (typeof cls !== 'function' || !(cls.prototype instanceof Actor)) {
      throw new ConfigError(`actors must be classes that extend Actor; got ${String(cls)}`);
    }
    const type = checkName('actor type', actorTypeName(cls));
    const existing = this.byType.get(type);
    if (existing && existing.cls !== cls) {
      throw new ConfigError(`two actor classes share the type "${type}": give one a different static type`);
    }
    // refs add their class on every call: the entry is built once
    if (existing) return existing;
    const timeoutMs = cls.timeoutMs ?? 30_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new ConfigError(`${type}: static timeoutMs must be a positive number; got ${String(timeoutMs)}`);
    }
    const messageTtlMs = cls.messageTtlMs ?? 0;
    if (cls.messageTtlMs !== undefined && (!Number.isFinite(messageTtlMs) || messageTtlMs <= 0)) {
      throw new ConfigError(
        `${type}: static messageTtlMs must be a positive number of ms (or left out for none); got ${String(cls.messageTtlMs)}`,
      );
    }
    const pool = checkName(`${type}: static pool`, cls.pool ?? DEFAULT_POOL);
    const handlers = handlerNames(cls);
    const entry: RegisteredActor = {
      type,
      cls,
      pool,
      handlers,
      arity: arityMap(cls, handlers),
      merge: mergePolicy(type, cls.merge),
      retryFor: retryPolicy(type, cls.retry),
      timeoutMs,
      messageTtlMs,
      schemas: schemaMap(type, cls.schemas),
      pauseOnDeadLetter: onDeadLetter(type, cls.onDeadLetter),
      indexes: indexFields(type, cls.indexes),
      limits: checkFlowLimits(`${type}: static`, cls.concurrency, cls.rateLimit),
    };
    this.byType.set(type, entry);
    return entry;
  }

  get(type: string): RegisteredActor | undefined {
    return this.byType.get(type);
  }

  require(type: string): RegisteredActor {
    const entry = this.byType.get(type);
    if (!entry) {
      const known = [...this.byType.keys()].join(', ') || 'none';
      throw new ConfigError(
        `actor type "${type}" is not registered in this process (known: ${known}); pass its class in connect({ actors: [...] })`,
      );
    }
    return entry;
  }

  get size(): number {
    return this.byType.size;
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /** The pools of the registered types, in the order the types were registered. */
  pools(): string[] {
    return [...new Set([...this.byType.values()].map((e) => e.pool))];
  }
}
