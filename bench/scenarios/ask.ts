/**
 * Ask round trip: `ask` from a client to an actor and back (envelope in, turn, reply written in the
 * commit, reply read by the client's blocking listener), idle and while the same sender offers
 * tells to other actors. Asks go out on a timetable (open loop), each timed on its own.
 */
import { troupeAsk } from '../procs/troupe.ts';
import { cpuRow, type CpuRow } from '../lib/cpu-table.ts';
import type { CpuUse } from '../lib/cpu.ts';
import type { BenchContext, Measurement, Scenario } from '../lib/scenario.ts';
import { formatCount, summarize } from '../lib/timing.ts';
import { shortCount, TROUPE } from './systems.ts';

const ASK_RATE = 200;

async function measureLoad(
  ctx: BenchContext,
  load: number,
  seconds: number,
): Promise<{ measurements: Measurement[]; cpu: CpuRow }> {
  // an idle run still needs a few tells: they carry the clock of the run
  const rate = Math.max(load, 10);
  const messages = Math.round(rate * seconds);
  const label = load > 0 ? `under ${shortCount(load)} msgs/s of tells` : 'idle';
  const runs: { p50: number; p99: number; asks: number; cpu: CpuUse }[] = [];
  for (let rep = 1; rep <= ctx.runs; rep++) {
    const redis = await ctx.redis();
    const bar = ctx.progress(`asks ${label} (run ${rep}/${ctx.runs})`, messages);
    try {
      runs.push(
        await troupeAsk({
          url: redis.url,
          namespace: redis.namespace,
          messages,
          actors: 1_000,
          rate,
          askRate: ASK_RATE,
          onProgress: (n) => bar.update(Math.min(n, messages)),
        }),
      );
    } finally {
      bar.stop();
      await redis.close();
    }
  }
  const measurements = (['p50', 'p99'] as const).map((metric): Measurement => ({
    scenario: 'ask',
    case: label,
    system: TROUPE,
    metric: `${metric} ms`,
    better: 'lower',
    summary: summarize(runs.map((r) => r[metric])),
    detail: { asksPerRun: runs.map((r) => r.asks), askRate: ASK_RATE, tellRate: load },
  }));
  // the messages are the tells and the asks: each is a turn the worker commits
  return {
    measurements,
    cpu: cpuRow(
      label,
      TROUPE,
      runs.map((r) => r.cpu),
    ),
  };
}

export const ask: Scenario = {
  name: 'ask',
  title: 'Ask round trip (client → actor → reply), idle and under load',
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 5;
    const idle = await measureLoad(ctx, 0, seconds);
    const loaded = await measureLoad(ctx, 5_000, seconds);
    const measurements = [...idle.measurements, ...loaded.measurements];
    return {
      measurements,
      cpu: [idle.cpu, loaded.cpu],
      notes: [
        `${ASK_RATE} asks/s to one actor for ${seconds} s per run, those of the first second not recorded (a warm-up); the load is tells to 1,000 other actors from the same client.`,
        `No peer here: BullMQ's nearest equivalent (Job.waitUntilFinished over QueueEvents) is not measured. Asks per run: ${formatCount(measurements[0]?.detail?.asksPerRun ? (measurements[0].detail.asksPerRun as number[])[0]! : 0)}.`,
      ],
    };
  },
};
