/**
 * Throughput: N messages to 1, 1k and 100k actors, each appending one segment to its actor's
 * context, sent from a separate process; timed from the first send to the last commit, and every
 * context checked. Beside Troupe, in the same run:
 *
 * - BullMQ, a job per message whose processor does GET/SET of a JSON context (the hand-written
 *   read-modify-write people use today); its lost updates are reported;
 * - BullMQ with a processor that does nothing: the floor of a queue (only at 1k actors, since it
 *   keeps no per-actor state);
 * - a plain Redis pipeline doing only the Redis work a message needs (queue it, append it): the
 *   ceiling, with no guarantees.
 *
 * Systems take turns within each repetition (A, B, C, D, A, B, …) so drift in the machine's load
 * spreads over all of them, each on a fresh private redis-server.
 */
import { bullmqThroughput } from '../peers/bullmq.ts';
import { pipelineThroughput } from '../peers/pipeline.ts';
import { troupeThroughput } from '../procs/troupe.ts';
import type { BenchContext, Measurement, Scenario, TargetCheck } from '../lib/scenario.ts';
import { formatCount, formatRatio, summarize } from '../lib/timing.ts';
import { BULLMQ_STATE, BULLMQ_TRIVIAL, PIPELINE, shortCount, TROUPE } from './systems.ts';

const TARGET_RATE = 40_000;
const TARGET_VS_TRIVIAL = 5;

interface Run {
  rate: number;
  detail?: Record<string, unknown>;
}

type System = (url: string, prefix: string, onProgress: (done: number) => void) => Promise<Run>;

function systemsFor(actors: number, messages: number): [string, System][] {
  const list: [string, System][] = [
    [
      TROUPE,
      async (url, namespace, onProgress) => {
        const r = await troupeThroughput({ url, namespace, messages, actors, onProgress });
        return { rate: r.rate, detail: { cpuUsPerMessage: r.cpuUsPerMessage } };
      },
    ],
    [
      BULLMQ_STATE,
      async (url, prefix, onProgress) => {
        const r = await bullmqThroughput({ url, prefix, messages, actors, mode: 'state', onProgress });
        return { rate: r.rate, detail: { lostUpdates: r.lostUpdates ?? 0, ...r.detail } };
      },
    ],
  ];
  if (actors === 1_000) {
    list.push([
      BULLMQ_TRIVIAL,
      async (url, prefix, onProgress) => {
        const r = await bullmqThroughput({ url, prefix, messages, actors, mode: 'trivial', onProgress });
        return { rate: r.rate, ...(r.detail ? { detail: r.detail } : {}) };
      },
    ]);
  }
  list.push([
    PIPELINE,
    async (url, prefix, onProgress) => {
      const r = await pipelineThroughput({ url, prefix, messages, actors, onProgress });
      return { rate: r.rate };
    },
  ]);
  return list;
}

async function measureCase(ctx: BenchContext, actors: number, messages: number): Promise<Measurement[]> {
  const systems = systemsFor(actors, messages);
  const runs = new Map<string, Run[]>(systems.map(([name]) => [name, []]));
  for (let rep = 1; rep <= ctx.runs; rep++) {
    for (const [name, system] of systems) {
      const redis = await ctx.redis();
      const bar = ctx.progress(`${shortCount(actors)} actors: ${name} (run ${rep}/${ctx.runs})`, messages);
      try {
        runs.get(name)!.push(await system(redis.url, redis.namespace, (done) => bar.update(done)));
      } finally {
        bar.stop();
        await redis.close();
      }
    }
  }
  return systems.map(([name]) => {
    const rs = runs.get(name)!;
    return {
      scenario: 'throughput',
      case: `${shortCount(actors)} actors`,
      system: name,
      metric: 'msgs/s',
      better: 'higher',
      summary: summarize(rs.map((r) => r.rate)),
      detail: { messages, actors, runs: rs.map((r) => r.detail ?? {}) },
    } satisfies Measurement;
  });
}

function targets(measurements: Measurement[]): TargetCheck[] {
  const at1k = (system: string) =>
    measurements.find((m) => m.case === '1k actors' && m.system === system)?.summary.median;
  const troupe = at1k(TROUPE);
  const trivial = at1k(BULLMQ_TRIVIAL);
  if (troupe === undefined) return [];
  const out: TargetCheck[] = [
    {
      description: `throughput with 1k actors ≥ ${formatCount(TARGET_RATE)} msgs/s`,
      met: troupe >= TARGET_RATE,
      observed: `${formatCount(Math.round(troupe))} msgs/s (${formatRatio(troupe / TARGET_RATE)} the target)`,
    },
  ];
  if (trivial !== undefined) {
    out.push({
      description: `throughput with 1k actors ≥ ${TARGET_VS_TRIVIAL}x BullMQ's trivial jobs in the same run`,
      met: troupe >= TARGET_VS_TRIVIAL * trivial,
      observed: `${formatRatio(troupe / trivial)} (${formatCount(Math.round(trivial))} jobs/s)`,
    });
  }
  return out;
}

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput: messages to N actors, each appending one segment (first send → last commit)',
  async run(ctx) {
    const messages = ctx.quick ? 20_000 : 100_000;
    const cases = ctx.quick ? [1, 1_000, 10_000] : [1, 1_000, 100_000];
    const measurements: Measurement[] = [];
    for (const actors of cases) measurements.push(...(await measureCase(ctx, actors, messages)));
    const lost = measurements
      .filter((m) => m.system === BULLMQ_STATE)
      .map((m) => {
        const runs = (m.detail?.runs ?? []) as { lostUpdates?: number }[];
        return `${m.case}: ${runs.map((r) => formatCount(r.lostUpdates ?? 0)).join(', ')}`;
      });
    return {
      measurements,
      targets: targets(measurements),
      notes: [
        `${formatCount(messages)} messages per run, from one sender process to one worker process (Troupe: 1 worker, BullMQ: 1 worker at concurrency 100).`,
        `${BULLMQ_STATE} lost updates per run (of ${formatCount(messages)}): ${lost.join('; ')} — with more actors than jobs in flight, two jobs of one actor rarely overlap, so the race shows with few actors.`,
        `${PIPELINE}: RPUSH to a queue, LPOP batches, RPUSH each to its actor's list — the Redis work alone, no delivery guarantee.`,
      ],
    };
  },
};
