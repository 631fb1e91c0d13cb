/**
 * Throughput: N messages to 1, 1k and 100k actors, each appending one segment to its actor's
 * context, sent from a separate process; timed from the first send to the last commit, and every
 * context checked. Troupe's sender is the README's code: `troupe.ref(Counter, id).tell('add', 1)`,
 * a ref per message, tells awaited in windows of 1,000. Beside it, in the same run:
 *
 * - at 1k actors, Troupe again with refs built once and a sliding window of 2,000 tells in flight
 *   ('troupe (reused refs)'): how much of the sender's cost is the README path's;
 * - BullMQ, a job per message whose processor does GET/SET of a JSON context (the hand-written
 *   read-modify-write people use today); its lost updates are reported;
 * - BullMQ with a processor that does nothing: the floor of a queue (only at 1k actors, since it
 *   keeps no per-actor state);
 * - a plain Redis pipeline doing only the Redis work a message needs (queue it, append it): the
 *   ceiling, with no guarantees.
 *
 * Systems take turns within each repetition, each on a fresh private redis-server
 * (closed-loop.ts); each run also reports every process's CPU and Redis's commands.
 */
import type { CpuRow } from '../lib/cpu-table.ts';
import type { Measurement, Scenario, TargetCheck } from '../lib/scenario.ts';
import { formatCount, formatRatio } from '../lib/timing.ts';
import {
  bullmqSystem,
  inTurns,
  pipelineSystem,
  prewarmOf,
  rowsOf,
  troupeSystem,
  type Load,
  type RunSystem,
} from './closed-loop.ts';
import { BULLMQ_STATE, BULLMQ_TRIVIAL, PIPELINE, shortCount, TROUPE, TROUPE_REUSED } from './systems.ts';

/** Issue 5's targets. */
const TARGET_RATE = 40_000;
const TARGET_VS_TRIVIAL = 5;
/** Issue 13's, with the README's sender. */
const TARGET_VS_TRIVIAL_README = 6;
const TARGET_VS_PIPELINE = 0.75;
const TARGET_RATE_100K = 30_000;

function systemsFor(load: Load): [string, RunSystem][] {
  const list: [string, RunSystem][] = [
    [TROUPE, troupeSystem(load)],
    [BULLMQ_STATE, bullmqSystem(load, 'state')],
  ];
  if (load.actors === 1_000) {
    list.push([TROUPE_REUSED, troupeSystem(load, { path: 'reused' })]);
    list.push([BULLMQ_TRIVIAL, bullmqSystem(load, 'trivial')]);
  }
  list.push([PIPELINE, pipelineSystem(load)]);
  return list;
}

function targets(measurements: Measurement[]): TargetCheck[] {
  const median = (kase: string, system: string) =>
    measurements.find((m) => m.case === kase && m.system === system)?.summary.median;
  const troupe = median('1k actors', TROUPE);
  const trivial = median('1k actors', BULLMQ_TRIVIAL);
  const pipeline = median('1k actors', PIPELINE);
  if (troupe === undefined) return [];
  const out: TargetCheck[] = [
    {
      description: `throughput with 1k actors ≥ ${formatCount(TARGET_RATE)} msgs/s`,
      met: troupe >= TARGET_RATE,
      observed: `${formatCount(Math.round(troupe))} msgs/s (${formatRatio(troupe / TARGET_RATE)} the target)`,
    },
  ];
  if (trivial !== undefined) {
    for (const factor of [TARGET_VS_TRIVIAL, TARGET_VS_TRIVIAL_README]) {
      out.push({
        description: `throughput with 1k actors ≥ ${factor}x BullMQ's trivial jobs in the same run (README sender)`,
        met: troupe >= factor * trivial,
        observed: `${formatRatio(troupe / trivial)} (${formatCount(Math.round(trivial))} jobs/s)`,
      });
    }
  }
  if (pipeline !== undefined) {
    out.push({
      description: `throughput with 1k actors ≥ ${TARGET_VS_PIPELINE}x the Redis-pipeline ceiling (README sender)`,
      met: troupe >= TARGET_VS_PIPELINE * pipeline,
      observed: `${formatRatio(troupe / pipeline)} (${formatCount(Math.round(pipeline))} msgs/s)`,
    });
  }
  const at100k = median('100k actors', TROUPE);
  out.push({
    description: `throughput with 100k actors ≥ ${formatCount(TARGET_RATE_100K)} msgs/s`,
    met: at100k === undefined ? undefined : at100k >= TARGET_RATE_100K,
    observed:
      at100k === undefined
        ? 'not run (--quick runs 10k actors)'
        : `${formatCount(Math.round(at100k))} msgs/s (${formatRatio(at100k / TARGET_RATE_100K)} the target)`,
  });
  return out;
}

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput: messages to N actors, each appending one segment (first send → last commit)',
  async run(ctx) {
    const messages = ctx.quick ? 20_000 : 100_000;
    const cases = ctx.quick ? [1, 1_000, 10_000] : [1, 1_000, 100_000];
    const measurements: Measurement[] = [];
    const cpu: CpuRow[] = [];
    for (const actors of cases) {
      const load = { messages, actors, prewarm: prewarmOf(messages) };
      const kase = `${shortCount(actors)} actors`;
      const rows = rowsOf('throughput', kase, load, await inTurns(ctx, kase, messages, systemsFor(load)));
      measurements.push(...rows.measurements);
      cpu.push(...rows.cpu);
    }
    const lost = measurements
      .filter((m) => m.system === BULLMQ_STATE)
      .map((m) => {
        const runs = (m.detail?.runs ?? []) as { lostUpdates?: number }[];
        return `${m.case}: ${runs.map((r) => formatCount(r.lostUpdates ?? 0)).join(', ')}`;
      });
    return {
      measurements,
      targets: targets(measurements),
      cpu,
      notes: [
        `${formatCount(messages)} messages per run, from one sender process to one worker process (Troupe: 1 worker, BullMQ: 1 worker at concurrency 100).`,
        `Every system first sends ${formatCount(prewarmOf(messages))} warm-up messages the same way, to actors of their own, outside the timed and CPU window: it measures processes past their first second (JIT, heap growth), as in a service that has been up a while.`,
        `${TROUPE}: the README's sender — connect({ actors: [Counter] }), troupe.ref(Counter, id).tell('add', 1) per message, awaited in windows of 1,000. ${TROUPE_REUSED}: refs built once by type name, 2,000 tells in flight (a sliding window).`,
        `${BULLMQ_STATE} lost updates per run (of ${formatCount(messages)}): ${lost.join('; ')} — with more actors than jobs in flight, two jobs of one actor rarely overlap, so the race shows with few actors.`,
        `${PIPELINE}: RPUSH to a queue, LPOP batches, RPUSH each to its actor's list — the Redis work alone, no delivery guarantee.`,
      ],
    };
  },
};
