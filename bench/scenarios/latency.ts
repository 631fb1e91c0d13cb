/**
 * Latency: send → committed at fixed offered rates (1k, 5k, 20k msgs/s), open loop: the sender
 * keeps its timetable whatever the worker does, so queueing shows as latency. Recorded per message
 * in an HDR histogram by the worker process when it learns the commit is durable (Troupe: the
 * worker's `committed` event; BullMQ: its `completed` event). The first messages of each run warm
 * the processes up and are not recorded.
 */
import { bullmqLatency } from '../peers/bullmq.ts';
import { troupeLatency } from '../procs/troupe.ts';
import type { CpuUse } from '../lib/cpu.ts';
import { cpuRow, type CpuRow } from '../lib/cpu-table.ts';
import type { BenchContext, Measurement, Scenario, TargetCheck } from '../lib/scenario.ts';
import { formatCount, formatMs, summarize } from '../lib/timing.ts';
import { BULLMQ_TRIVIAL, shortCount, TROUPE } from './systems.ts';

const ACTORS = 1_000;
const TARGET_P99_MS = 3;

interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  achievedRate: number;
  cpu: CpuUse;
}

async function measureRate(
  ctx: BenchContext,
  rate: number,
  seconds: number,
): Promise<{ measurements: Measurement[]; cpu: CpuRow[] }> {
  // the first second meets code the JIT has not compiled yet and a heap still growing (at 5k
  // msgs/s the first 0.5 s queued up to ~150 ms, a steady run then stayed under ~15 ms)
  const warmup = Math.max(2_000, rate);
  const messages = Math.round(rate * seconds) + warmup;
  const systems: [
    string,
    (url: string, prefix: string, onProgress: (n: number) => void) => Promise<Percentiles>,
  ][] = [
    [
      TROUPE,
      (url, namespace, onProgress) =>
        troupeLatency({ url, namespace, messages, actors: ACTORS, rate, warmup, onProgress }),
    ],
    [
      BULLMQ_TRIVIAL,
      (url, prefix, onProgress) => bullmqLatency({ url, prefix, messages, rate, warmup, onProgress }),
    ],
  ];
  const runs = new Map<string, Percentiles[]>(systems.map(([name]) => [name, []]));
  for (let rep = 1; rep <= ctx.runs; rep++) {
    for (const [name, system] of systems) {
      const redis = await ctx.redis();
      const bar = ctx.progress(`${shortCount(rate)} msgs/s: ${name} (run ${rep}/${ctx.runs})`, messages);
      try {
        runs.get(name)!.push(await system(redis.url, redis.namespace, (n) => bar.update(n)));
      } finally {
        bar.stop();
        await redis.close();
      }
    }
  }
  const out: Measurement[] = [];
  const cpu: CpuRow[] = [];
  for (const [name] of systems) {
    const rs = runs.get(name)!;
    cpu.push(
      cpuRow(
        `${shortCount(rate)} msgs/s offered`,
        name,
        rs.map((r) => r.cpu),
      ),
    );
    for (const metric of ['p50', 'p99', 'p999'] as const) {
      out.push({
        scenario: 'latency',
        case: `${shortCount(rate)} msgs/s offered`,
        system: name,
        metric: `${metric} ms`,
        better: 'lower',
        summary: summarize(rs.map((r) => r[metric])),
        detail: { messages, warmup, achievedRates: rs.map((r) => Math.round(r.achievedRate)) },
      });
    }
  }
  return { measurements: out, cpu };
}

export const latency: Scenario = {
  name: 'latency',
  title: 'Latency: send → committed at fixed offered rates (open loop, HDR histogram)',
  async run(ctx) {
    const plan: [rate: number, seconds: number][] = ctx.quick
      ? [
          [1_000, 2],
          [5_000, 1],
          [20_000, 0.5],
        ]
      : [
          [1_000, 10],
          [5_000, 4],
          [20_000, 3],
        ];
    const measurements: Measurement[] = [];
    const cpu: CpuRow[] = [];
    for (const [rate, seconds] of plan) {
      const rows = await measureRate(ctx, rate, seconds);
      measurements.push(...rows.measurements);
      cpu.push(...rows.cpu);
    }
    const p99 = measurements.find(
      (m) => m.system === TROUPE && m.case === '1k msgs/s offered' && m.metric === 'p99 ms',
    );
    const targets: TargetCheck[] = p99
      ? [
          {
            description: `p99 send → committed ≤ ${TARGET_P99_MS} ms at 1k msgs/s offered`,
            met: p99.summary.median <= TARGET_P99_MS,
            observed: `${formatMs(p99.summary.median)} ms (median of ${p99.summary.runs} runs)`,
          },
        ]
      : [];
    return {
      measurements,
      targets,
      cpu,
      notes: [
        `Troupe: tells to ${formatCount(ACTORS)} actors; BullMQ: Queue.add per job, trivial processor, concurrency 100.`,
        'Each run starts with a warm-up (a second of the rate, at least 2,000 messages) that is not recorded.',
        'Times are taken in two processes from performance.timeOrigin + performance.now() (same machine clock).',
      ],
    };
  },
};
