/**
 * Flow control of an actor type across every worker (static concurrency and rateLimit, or a
 * worker's `limits` option): checked here where they are given, so a bad one is a ConfigError
 * naming the field. docs/flow-control.md.
 */
import { ConfigError } from '../errors.ts';

/** At most `turns` turns of a type start in any window of `perMs`, across every worker. */
export interface RateLimit {
  turns: number;
  perMs: number;
}

/** A type's limits: 0 concurrency is none. */
export interface FlowLimits {
  /** Turns of the type running at once, across every worker; 0 for no limit. */
  concurrency: number;
  rateLimit: RateLimit | undefined;
}

export const NO_LIMITS: FlowLimits = { concurrency: 0, rateLimit: undefined };

/** `where` names the setting in errors, e.g. `order: static` or `work({ limits }).order`. */
export function checkFlowLimits(where: string, concurrency: unknown, rateLimit: unknown): FlowLimits {
  if (
    concurrency !== undefined &&
    (typeof concurrency !== 'number' || !Number.isSafeInteger(concurrency) || concurrency < 1)
  ) {
    throw new ConfigError(
      `${where} concurrency must be a whole number >= 1 (or left out for no limit); got ${JSON.stringify(concurrency)}`,
    );
  }
  let rate: RateLimit | undefined;
  if (rateLimit !== undefined) {
    const r = rateLimit as Partial<Record<string, unknown>> | null;
    const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
    if (typeof r !== 'object' || r === null || !ok(r.turns) || !ok(r.perMs)) {
      throw new ConfigError(
        `${where} rateLimit must be { turns, perMs }, whole numbers >= 1, e.g. { turns: 20, perMs: 1000 }; got ${JSON.stringify(rateLimit)}`,
      );
    }
    rate = { turns: r.turns as number, perMs: r.perMs as number };
  }
  return { concurrency: concurrency ?? 0, rateLimit: rate };
}

export function isLimited(l: FlowLimits): boolean {
  return l.concurrency > 0 || l.rateLimit !== undefined;
}
