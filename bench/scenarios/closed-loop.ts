/**
 * The closed-loop systems the throughput and cold scenarios compare — Troupe, BullMQ (GET/SET and
 * trivial jobs) and the plain Redis pipeline — each as one call on a fresh Redis, and the loop
 * that runs them in turns (A, B, C, A, B, C, …) so drift in the machine's load spreads over all of
 * them. Each run reports its rate and what every process spent (bench/lib/cpu.ts).
 */
import { bullmqThroughput } from '../peers/bullmq.ts';
import { pipelineThroughput } from '../peers/pipeline.ts';
import { troupeThroughput, type TroupeRun } from '../procs/troupe.ts';
import type { CpuUse } from '../lib/cpu.ts';
import { cpuRow, type CpuRow } from '../lib/cpu-table.ts';
import type { BenchContext, Measurement } from '../lib/scenario.ts';
import { summarize } from '../lib/timing.ts';

export interface SystemRun {
  /** Messages per second, first send → last commit. */
  rate: number;
  cpu: CpuUse;
  detail?: Record<string, unknown>;
}

/** One run of one system on the Redis at `url`, in namespace or key prefix `prefix`. */
export type RunSystem = (
  url: string,
  prefix: string,
  onProgress: (done: number) => void,
) => Promise<SystemRun>;

export interface Load {
  messages: number;
  actors: number;
  /**
   * Messages sent to warm-up actors of their own before the measured window, the same way by every
   * system (child.ts `warmUp`): the window then measures warm processes, not their first second.
   */
  prewarm?: number;
}

/** A fifth of a run's messages go first as its warm-up. */
export const prewarmOf = (messages: number): number => Math.floor(messages / 5);

export function troupeSystem(load: Load, options: Partial<TroupeRun> = {}): RunSystem {
  return async (url, namespace, onProgress) => {
    const r = await troupeThroughput({ ...options, url, namespace, ...load, onProgress });
    const detail: Record<string, unknown> = { path: options.path ?? 'readme' };
    if (r.passivatedAfterMs !== undefined) detail.passivatedAfterMs = r.passivatedAfterMs;
    if (r.workerStats) detail.workerStats = r.workerStats;
    return { rate: r.rate, cpu: r.cpu, detail };
  };
}

export function bullmqSystem(load: Load, mode: 'state' | 'trivial'): RunSystem {
  return async (url, prefix, onProgress) => {
    const r = await bullmqThroughput({ url, prefix, ...load, mode, onProgress });
    const detail = mode === 'state' ? { lostUpdates: r.lostUpdates ?? 0, ...r.detail } : r.detail;
    return { rate: r.rate, cpu: r.cpu, ...(detail ? { detail } : {}) };
  };
}

export function pipelineSystem(load: Load): RunSystem {
  return async (url, prefix, onProgress) => {
    const r = await pipelineThroughput({ url, prefix, ...load, onProgress });
    return { rate: r.rate, cpu: r.cpu };
  };
}

/** Runs every system `ctx.runs` times, in turns, each run on a fresh Redis. */
export async function inTurns(
  ctx: BenchContext,
  label: string,
  messages: number,
  systems: [string, RunSystem][],
): Promise<Map<string, SystemRun[]>> {
  const runs = new Map<string, SystemRun[]>(systems.map(([name]) => [name, []]));
  for (let rep = 1; rep <= ctx.runs; rep++) {
    for (const [name, system] of systems) {
      const redis = await ctx.redis();
      const bar = ctx.progress(`${label}: ${name} (run ${rep}/${ctx.runs})`, messages);
      try {
        runs.get(name)!.push(await system(redis.url, redis.namespace, (done) => bar.update(done)));
      } finally {
        bar.stop();
        await redis.close();
      }
    }
  }
  return runs;
}

/** msgs/s rows (for the main table and chart) and CPU rows of one case. */
export function rowsOf(
  scenario: string,
  kase: string,
  load: Load,
  runs: Map<string, SystemRun[]>,
): { measurements: Measurement[]; cpu: CpuRow[] } {
  const measurements: Measurement[] = [];
  const cpu: CpuRow[] = [];
  for (const [system, rs] of runs) {
    measurements.push({
      scenario,
      case: kase,
      system,
      metric: 'msgs/s',
      better: 'higher',
      summary: summarize(rs.map((r) => r.rate)),
      detail: { ...load, runs: rs.map((r) => r.detail ?? {}) },
    });
    cpu.push(
      cpuRow(
        kase,
        system,
        rs.map((r) => r.cpu),
      ),
    );
  }
  return { measurements, cpu };
}
