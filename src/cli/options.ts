import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../errors.ts';

export interface GlobalOptions {
  redis: string | undefined;
  namespace: string;
  /** connect()'s waitReplicas. */
  waitReplicas: number;
}

/** The options every command shares, set on the program, with their defaults from the environment. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ redis?: string; namespace?: string; waitReplicas?: string }>();
  const replicas = o.waitReplicas ?? process.env.TROUPE_WAIT_REPLICAS ?? '0';
  const waitReplicas = Number(replicas);
  if (!Number.isInteger(waitReplicas) || waitReplicas < 0) {
    throw new ConfigError(`--wait-replicas expects a whole number >= 0; got "${replicas}"`);
  }
  return {
    redis: o.redis ?? process.env.REDIS_URL,
    namespace: o.namespace ?? process.env.TROUPE_NAMESPACE ?? 'default',
    waitReplicas,
  };
}

/** Commander option parser for counts and durations: rejects zero, negatives and fractions with a usage error. */
export function intOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Commander option parser for a TCP port: 0 (any free port) to 65535. */
export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  }
  return n;
}
