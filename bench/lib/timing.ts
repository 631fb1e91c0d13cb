/**
 * Timing helpers: run an operation a number of times after warm-up runs and summarise the
 * durations (median, min, max, mean). Times are milliseconds from `performance.now()`.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  mean: number;
  /** Every timed run, in order. */
  values: number[];
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    runs: values.length,
    median,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: values.reduce((s, v) => s + v, 0) / values.length,
    values: [...values],
  };
}

/** Runs `fn` once and returns its result and how long it took (ms). */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export interface MeasureOptions<T> {
  /** Timed runs. */
  runs: number;
  /** Untimed runs first (JIT, connection, caches). Default 0. */
  warmup?: number;
  /**
   * Called with each run's result, outside the timed window: throw to fail the benchmark (a result
   * that is wrong must never be reported as fast).
   */
  check?: (value: T) => void;
  /** Called before every run, outside the timed window (e.g. a GC when exposed). */
  before?: () => void | Promise<void>;
}

/** Times `fn` `runs` times after `warmup` untimed runs; every result is checked. */
export async function measure<T>(fn: () => Promise<T> | T, options: MeasureOptions<T>): Promise<Summary> {
  const values: number[] = [];
  for (let i = 0; i < (options.warmup ?? 0) + options.runs; i++) {
    await options.before?.();
    const { ms, value } = await timed(fn);
    options.check?.(value);
    if (i >= (options.warmup ?? 0)) values.push(ms);
  }
  return summarize(values);
}

export interface Contender<T> {
  fn: () => Promise<T> | T;
  /** As `MeasureOptions.check`, for this contender's results. */
  check?: (value: T) => void;
}

/**
 * Times several operations run in turn (A, B, A, B, …), so drift over time (JIT, CPU frequency,
 * other load) hits them alike and their ratio is fair. Returns one summary per contender.
 */
export async function measureAlternating<T>(
  contenders: readonly Contender<T>[],
  options: Omit<MeasureOptions<T>, 'check'>,
): Promise<Summary[]> {
  const values: number[][] = contenders.map(() => []);
  for (let i = 0; i < (options.warmup ?? 0) + options.runs; i++) {
    for (const [j, c] of contenders.entries()) {
      await options.before?.();
      const { ms, value } = await timed(c.fn);
      c.check?.(value);
      if (i >= (options.warmup ?? 0)) values[j]!.push(ms);
    }
  }
  return values.map(summarize);
}

let gc: (() => void) | undefined;

/**
 * A full garbage collection, so a timed run does not pay for the garbage of the one before it.
 * Works without `node --expose-gc`: the flag is set at run time and `gc` taken from a new context.
 */
export function collectGarbage(): void {
  if (!gc) {
    gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}

/** Milliseconds with precision that fits their size: 0.123, 1.23, 12.3, 123, 1234. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1) return ms.toFixed(3);
  if (abs < 10) return ms.toFixed(2);
  if (abs < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** `median (min–max)` in ms. */
export function formatSummary(s: Summary): string {
  return `${formatMs(s.median)} (${formatMs(s.min)}–${formatMs(s.max)})`;
}

/** A count with thousands separators: 1,000,000. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A ratio like `1.07x`. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return String(r);
  return `${r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)}x`;
}
