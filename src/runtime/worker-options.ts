import { ConfigError } from '../errors.ts';
import { checkName } from '../redis/keys.ts';
import { defaultWorkerName } from './worker-name.ts';
import type { WorkOptions } from './worker-types.ts';

/** WorkOptions with every default filled in and every value checked. */
export type ResolvedWorkOptions = Required<Omit<WorkOptions, 'observer'>> & Pick<WorkOptions, 'observer'>;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive number; got ${value}`);
  return value;
}

export function resolveWorkOptions(options: WorkOptions): ResolvedWorkOptions {
  const opts: ResolvedWorkOptions = {
    concurrency: positive('concurrency', options.concurrency ?? 64),
    leaseMs: positive('leaseMs', options.leaseMs ?? 10_000),
    name: checkName('worker name', options.name ?? defaultWorkerName()),
    batchSize: positive('batchSize', options.batchSize ?? 64),
    idleMs: positive('idleMs', options.idleMs ?? 60_000),
    replyTtlMs: positive('replyTtlMs', options.replyTtlMs ?? 60_000),
    mergeConcurrency: positive('mergeConcurrency', options.mergeConcurrency ?? 2),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? 1024 * 1024),
    observer: options.observer,
  };
  if (opts.leaseMs < 300) throw new ConfigError(`leaseMs must be at least 300; got ${opts.leaseMs}`);
  return opts;
}
