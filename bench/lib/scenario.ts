/**
 * What a benchmark scenario is to the runner (`npm run bench`): a name, and a `run` that measures
 * Troupe and, where a peer can do the same work, the peer, and returns measurements the runner
 * prints as tables (with ratios against each peer), writes as JSON and charts as SVG.
 *
 * A scenario checks correctness itself (every context exact, every job done) and throws when a
 * check fails: a wrong result is never reported as fast.
 *
 * @example
 * ```ts
 * export const memory: Scenario = {
 *   name: 'memory',
 *   title: 'Redis bytes per idle actor',
 *   async run(ctx) {
 *     const redis = await ctx.redis();
 *     try { ... return { measurements: [...], targets: [...] }; } finally { await redis.close(); }
 *   },
 * };
 * ```
 */
import type { CpuRow } from './cpu-table.ts';
import type { BenchRedis } from './redis.ts';
import type { Progress } from './progress.ts';
import type { Summary } from './timing.ts';

/** What the runner gives every scenario. */
export interface BenchContext {
  /** `--quick`: smaller sizes, so the whole run fits in under a minute. */
  quick: boolean;
  /** How many times each measurement is repeated (median and spread are reported). */
  runs: number;
  /** `--aof`: private servers run with appendonly yes, appendfsync everysec. */
  aof: boolean;
  /**
   * A fresh, empty private redis-server (or a fresh namespace on REDIS_URL). The scenario closes it.
   * Start one per repetition when earlier data would skew the next run.
   */
  redis(): Promise<BenchRedis>;
  /** A status line on stderr ("1k actors: troupe run 2/3 …"). */
  status(line: string): void;
  /** A progress bar on stderr for long steps. */
  progress(label: string, total: number): Progress;
}

/**
 * One measured quantity of one system in one case, over `ctx.runs` repetitions.
 * Rows with the same scenario, case and metric are shown side by side, one column per system.
 */
export interface Measurement {
  /** e.g. 'throughput' */
  scenario: string;
  /** e.g. '1k actors', '5k msgs/s offered' */
  case: string;
  /** 'troupe', 'bullmq (GET/SET)', 'bullmq (trivial)', 'redis pipeline', … */
  system: string;
  /** e.g. 'msgs/s', 'p99 ms', 'bytes/actor' */
  metric: string;
  /** Which direction is better: decides how ratios read. */
  better: 'higher' | 'lower';
  /** The repetitions: median, min, max. */
  summary: Summary;
  /** Anything else worth keeping in the JSON (lost updates, p999, …). */
  detail?: Record<string, unknown>;
}

/** A target from the issue, as the run saw it. */
export interface TargetCheck {
  description: string;
  /** Undefined when this run did not measure it (e.g. --quick skips 1M). */
  met: boolean | undefined;
  /** What was measured, in words: "52,310 msgs/s (1.31x the target)". */
  observed: string;
}

export interface ScenarioOutcome {
  measurements: Measurement[];
  targets?: TargetCheck[];
  /** Lines printed under the scenario's table (how it was measured, caveats). */
  notes?: string[];
  /** What each process spent per 1,000 messages, per case and system (a table of its own). */
  cpu?: CpuRow[];
}

export interface Scenario {
  /** `--scenario NAME` selects it. */
  name: string;
  /** The table's heading. */
  title: string;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}
