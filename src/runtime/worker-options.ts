import { checkFlowLimits, type FlowLimits } from '../actor/flow-limits.ts';
import { ConfigError } from '../errors.ts';
import { checkName } from '../redis/keys.ts';
import { defaultWorkerName } from './worker-name.ts';
import type { PoolOptions, WorkOptions } from './worker-types.ts';

/** WorkOptions with every default filled in and every value checked. */
/** A served pool with its limits filled in. */
export interface ResolvedPool {
  name: string;
  concurrency: number;
  partitions: number | undefined;
}

export type ResolvedWorkOptions = Required<Omit<WorkOptions, 'observer' | 'pools' | 'limits'>> &
  Pick<WorkOptions, 'observer'> & {
    /** In priority order; when not given, the pools of the worker's classes. */
    pools: ResolvedPool[];
    /** The `limits` option, checked: per type, what overrides the class's statics. */
    limits: Map<string, Partial<FlowLimits>>;
  };

function resolvePools(
  pools: WorkOptions['pools'],
  concurrency: number,
  classPools: readonly string[],
): ResolvedPool[] {
  if (pools === undefined) return classPools.map((name) => ({ name, concurrency, partitions: undefined }));
  const list: readonly (string | PoolOptions)[] = pools;
  if (!Array.isArray(pools) || list.length === 0) {
    throw new ConfigError(
      'pools must be a non-empty list of pool names (or { name, concurrency }); leave it out to serve the pools of the loaded classes',
    );
  }
  const out: ResolvedPool[] = [];
  for (const p of list) {
    const spec: PoolOptions = typeof p === 'string' ? { name: p } : p;
    const name = checkName('pool', spec.name);
    if (out.some((o) => o.name === name)) throw new ConfigError(`pool "${name}" is listed twice in pools`);
    const own =
      spec.concurrency === undefined ? concurrency : positive(`pool ${name}: concurrency`, spec.concurrency);
    const partitions = spec.partitions;
    if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1 || partitions > 16384)) {
      throw new ConfigError(`pool ${name}: partitions must be an integer from 1 to 16384; got ${partitions}`);
    }
    out.push({ name, concurrency: Math.min(own, concurrency), partitions });
  }
  return out;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive number; got ${value}`);
  return value;
}

/** `classPools`: the pools of the worker's classes, served when `options.pools` is left out. */
export function resolveWorkOptions(options: WorkOptions, classPools: readonly string[]): ResolvedWorkOptions {
  const concurrency = positive('concurrency', options.concurrency ?? 64);
  const opts: ResolvedWorkOptions = {
    concurrency,
    pools: resolvePools(options.pools, concurrency, classPools),
    leaseMs: positive('leaseMs', options.leaseMs ?? 10_000),
    name: checkName('worker name', options.name ?? defaultWorkerName()),
    batchSize: positive('batchSize', options.batchSize ?? 64),
    idleMs: positive('idleMs', options.idleMs ?? 60_000),
    replyTtlMs: positive('replyTtlMs', options.replyTtlMs ?? 60_000),
    mergeConcurrency: positive('mergeConcurrency', options.mergeConcurrency ?? 2),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? 1024 * 1024),
    observer: options.observer,
    limits: resolveLimits(options.limits),
  };
  if (opts.leaseMs < 300) throw new ConfigError(`leaseMs must be at least 300; got ${opts.leaseMs}`);
  return opts;
}

function resolveLimits(limits: WorkOptions['limits']): Map<string, Partial<FlowLimits>> {
  const out = new Map<string, Partial<FlowLimits>>();
  if (limits === undefined) return out;
  if (typeof limits !== 'object' || limits === null) {
    throw new ConfigError('limits must be an object of actor types, e.g. { report: { concurrency: 1 } }');
  }
  for (const [type, l] of Object.entries(limits)) {
    checkName('limits: actor type', type);
    const checked = checkFlowLimits(`work({ limits }).${type}:`, l?.concurrency, l?.rateLimit);
    out.set(type, {
      ...(l?.concurrency !== undefined ? { concurrency: checked.concurrency } : {}),
      ...(l?.rateLimit !== undefined ? { rateLimit: checked.rateLimit } : {}),
    });
  }
  return out;
}
