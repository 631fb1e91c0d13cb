/**
 * Cold: N messages to N distinct actors, one each, so every message pays the whole life of an
 * actor — activate, turn, commit, passivate — as when traffic spreads over many more actors than
 * are ever hot (users, orders, devices). Same sender (the README's path) and worker processes as
 * the throughput scenario; the worker drops an actor IDLE_MS after its turn (merging its log), so
 * passivations happen during the run, as they would in a long-running one.
 *
 * msgs/s is first send → last commit, like every peer's; the CPU window stays open until every
 * actor has been passivated, so the per-process table holds the passivations' cost too. Beside it,
 * in the same run: BullMQ trivial jobs (the floor of a queue: it has no per-actor state to load or
 * put away) and the plain Redis pipeline (one list per actor: the ceiling, no guarantees).
 */
import type { Measurement, Scenario, TargetCheck } from '../lib/scenario.ts';
import { formatCount, formatRatio } from '../lib/timing.ts';
import { bullmqSystem, inTurns, pipelineSystem, prewarmOf, rowsOf, troupeSystem } from './closed-loop.ts';
import { BULLMQ_TRIVIAL, PIPELINE, shortCount, TROUPE } from './systems.ts';

/** Issue 13's target: cold messages at this many times BullMQ's trivial jobs. */
const TARGET_VS_TRIVIAL = 4;
/**
 * An actor unused this long is passivated: short, so each one is put away within the run (the
 * sweep runs every max(250, idleMs / 2) ms). The default (60 s) would keep them all in memory.
 */
const IDLE_MS = 250;

function target(measurements: Measurement[]): TargetCheck[] {
  const median = (system: string) => measurements.find((m) => m.system === system)?.summary.median;
  const troupe = median(TROUPE);
  const trivial = median(BULLMQ_TRIVIAL);
  if (troupe === undefined || trivial === undefined) return [];
  return [
    {
      description: `cold: N messages to N distinct actors ≥ ${TARGET_VS_TRIVIAL}x BullMQ's trivial jobs in the same run`,
      met: troupe >= TARGET_VS_TRIVIAL * trivial,
      observed: `${formatRatio(troupe / trivial)} (${formatCount(Math.round(troupe))} msgs/s vs ${formatCount(Math.round(trivial))} jobs/s)`,
    },
  ];
}

/** What the worker reported after passivating, per run: ms after the last commit, merges, activations. */
function passivations(measurements: Measurement[]): string {
  const runs = (measurements.find((m) => m.system === TROUPE)?.detail?.runs ?? []) as {
    passivatedAfterMs?: number;
    workerStats?: { activations?: number; merges?: number };
  }[];
  return runs
    .map(
      (r) =>
        `${formatCount(Math.round(r.passivatedAfterMs ?? NaN))} ms after the last commit ` +
        `(${formatCount(r.workerStats?.activations ?? 0)} activations, ${formatCount(r.workerStats?.merges ?? 0)} merges)`,
    )
    .join('; ');
}

export const cold: Scenario = {
  name: 'cold',
  title: 'Cold actors: N messages to N distinct actors (activate, turn, commit, passivate each)',
  async run(ctx) {
    const n = ctx.quick ? 5_000 : 40_000;
    const load = { messages: n, actors: n, prewarm: prewarmOf(n) };
    const kase = `${shortCount(n)} actors, 1 msg each`;
    const runs = await inTurns(ctx, `cold, ${shortCount(n)}`, n, [
      [TROUPE, troupeSystem(load, { passivate: true, work: { idleMs: IDLE_MS } })],
      [BULLMQ_TRIVIAL, bullmqSystem(load, 'trivial')],
      [PIPELINE, pipelineSystem(load)],
    ]);
    const { measurements, cpu } = rowsOf('cold', kase, load, runs);
    return {
      measurements,
      targets: target(measurements),
      cpu,
      notes: [
        `${formatCount(n)} messages, message i to actor i: one sender process (the README's path, windows of 1,000), one worker process (idleMs ${IDLE_MS}, other options default); every context checked.`,
        `Every system first sends ${formatCount(prewarmOf(n))} warm-up messages the same way, to as many actors of their own, outside the timed and CPU window (Troupe's warm-up actors are passivated before it opens).`,
        `msgs/s: first send → last commit. Troupe's CPU window runs on until every actor is passivated: ${passivations(measurements)}.`,
        `${BULLMQ_TRIVIAL}: a job per message, processor does nothing, concurrency 100. ${PIPELINE}: RPUSH to a queue, LPOP batches, RPUSH each to its actor's list.`,
      ],
    };
  },
};
