/**
 * Scenario `activation`: what a worker pays to activate an actor with a long history, against the
 * history's length, with and without merge (`npm run bench -- --scenario activation`).
 *
 * Activation is measured exactly as the worker does it on an actor's first message: one
 * `LRANGE log 0 -1` and `activate()` (decode the base, fold every segment with the actor's `apply`).
 * For each history length N (100, 10k, 1M; --quick: 100, 10k, 100k) the log is written straight
 * into Redis (N segments of `{ added: 1 }`, the bytes a turn's commit appends), then measured:
 *
 * - merge off: the raw log, base '' + N segments;
 * - merge on: the same history on another actor after `mergeActor` folded it into a base;
 * - and, as the reference, a brand-new actor (no log at all), timed in turn with the merge-on runs.
 *
 * Every activation is checked (count === N, seq === N); a wrong context throws, failing the run.
 * The issue's target: activation at 1M historical segments within 2x of a new actor, merge on.
 */
import type { Redis } from 'ioredis';
import { ActorRegistry, type RegisteredActor } from '../../src/actor/registry.ts';
import { actorKey, partitionOf } from '../../src/protocol/partition.ts';
import { Placement } from '../../src/protocol/placement.ts';
import { Keys } from '../../src/redis/keys.ts';
import { withScripts } from '../../src/redis/scripts.ts';
import { activate, type ActiveActor } from '../../src/runtime/active-actor.ts';
import { mergeActor, type ActorAt, type MergeDeps } from '../../src/runtime/merge.ts';
import { BenchCounter, type CounterCtx } from '../actors.ts';
import { writeHistory } from '../lib/history.ts';
import type { BenchContext, Measurement, Scenario, ScenarioOutcome, TargetCheck } from '../lib/scenario.ts';
import {
  collectGarbage,
  formatCount,
  formatMs,
  formatRatio,
  formatSummary,
  measure,
  measureAlternating,
  timed,
  type Summary,
} from '../lib/timing.ts';

/** The issue's target: merge-on activation at the longest history within this factor of a new actor. */
const TARGET_RATIO = 2;
const TARGET_LENGTH = 1_000_000;
/** Partitions only decide key names here; the default of a new system. */
const PARTITIONS = 64;
const placement = Placement.single(PARTITIONS);
/** The id of the actor that never had a message. */
const NEW_ID = 'new';

const SYSTEM_ON = 'troupe (merge on)';
const SYSTEM_OFF = 'troupe (merge off)';
const SYSTEM_NEW = 'new actor';

/** 100, 10k, 100k, 1M: short enough for a table heading. */
function shortCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return formatCount(n);
}

/**
 * Timed runs by how many log entries one activation reads: short logs are sub-millisecond and
 * round-trip bound, so many runs tame the noise; a 1M-entry log takes seconds, three runs do.
 * Long logs get a full GC before each run so one run does not pay for the previous run's
 * garbage; short ones do not, since a forced GC leaves caches cold and makes a 0.1 ms operation
 * take 0.4 ms (measured), which would flatter the merge-on vs new-actor ratio's denominator.
 * `--runs` can ask for more runs than these, never fewer: below them the medians are noise.
 */
function runsFor(entries: number, atLeast: number): { runs: number; warmup: number; before?: () => void } {
  const policy: { runs: number; warmup: number; before?: () => void } =
    entries <= 1_000
      ? { runs: 31, warmup: 5 }
      : entries <= 20_000
        ? { runs: 7, warmup: 2 }
        : entries <= 200_000
          ? { runs: 5, warmup: 1, before: collectGarbage }
          : { runs: 3, warmup: 0, before: collectGarbage };
  return { ...policy, runs: Math.max(policy.runs, atLeast) };
}

interface Activation {
  summary: Summary;
  /** Entries LRANGE returned: base + segments. */
  logEntries: number;
}

interface Case {
  length: number;
  mergeOff: Activation & { buildMs: number };
  mergeOn: Activation & {
    buildMs: number;
    mergeMs: number;
    folded: number;
    remaining: number;
    /** A new actor's activation, timed in turn with the merge-on runs. */
    newActor: Summary;
  };
  /** Merge-on median over the median of the new actor timed alongside it. */
  onVsNew: number;
}

class Bench {
  readonly keys: Keys;
  readonly entry: RegisteredActor;
  readonly mergeDeps: MergeDeps;

  constructor(
    readonly redis: Redis,
    namespace: string,
    readonly ctx: BenchContext,
  ) {
    this.keys = new Keys(namespace);
    this.entry = new ActorRegistry([BenchCounter]).require(BenchCounter.type);
    this.mergeDeps = {
      redis,
      scripted: withScripts(redis),
      keys: this.keys,
      placement: () => placement,
      lockMs: 30_000,
      chunk: 10_000,
      now: () => Date.now(),
    };
  }

  at(id: string): ActorAt {
    return { p: partitionOf(this.entry.type, id, PARTITIONS), akey: actorKey(this.entry.type, id) };
  }

  logKey(id: string): string {
    const at = this.at(id);
    return this.keys.log(at.p, at.akey);
  }

  /** Writes N segments of `{ added: 1 }` after an initial() base, with a progress bar for long ones. */
  async build(id: string, n: number, label: string): Promise<number> {
    const bar = n >= 100_000 ? this.ctx.progress(label, n) : undefined;
    try {
      const { ms } = await timed(() =>
        writeHistory(this.redis, this.logKey(id), n, () => ({ added: 1 }), {
          onProgress: (done) => bar?.update(done),
        }),
      );
      return ms;
    } finally {
      bar?.stop();
    }
  }

  /** What the worker does on an actor's first message: LRANGE the log, fold it. */
  async activateOnce(id: string): Promise<ActiveActor> {
    const log = await this.redis.lrangeBuffer(this.logKey(id), 0, -1);
    return activate(this.entry, id, { stowed: undefined, list: log }, Date.now());
  }

  /** Fails unless the activated actor folded to count === seq === expected. */
  static check(expected: number): (actor: ActiveActor) => void {
    return (actor) => {
      const ctx = actor.state.context as CounterCtx;
      if (ctx?.count !== expected || actor.seq !== expected) {
        throw new Error(
          `wrong context for ${actor.akey}: count ${String(ctx?.count)}, seq ${actor.seq}; expected ${expected}`,
        );
      }
    };
  }

  /** Times activation of `id`, checking every run. */
  async measureActivation(id: string, expected: number): Promise<Activation> {
    const logEntries = await this.redis.llen(this.logKey(id));
    const summary = await measure(() => this.activateOnce(id), {
      ...runsFor(logEntries, this.ctx.runs),
      check: Bench.check(expected),
    });
    return { summary, logEntries };
  }

  /**
   * Times activation of `id` and of a brand-new actor in turn (A, B, A, B, …), so their ratio is
   * not skewed by drift between two separate measurements.
   */
  async measureAgainstNew(id: string, expected: number): Promise<Activation & { newActor: Summary }> {
    const logEntries = await this.redis.llen(this.logKey(id));
    const [summary, newActor] = await measureAlternating(
      [
        { fn: () => this.activateOnce(id), check: Bench.check(expected) },
        { fn: () => this.activateOnce(NEW_ID), check: Bench.check(0) },
      ],
      runsFor(logEntries, this.ctx.runs),
    );
    return { summary: summary!, newActor: newActor!, logEntries };
  }

  /**
   * One `mergeActor` call, as the merge sweep makes it. It folds chunk by chunk and stops once fewer
   * than a chunk remain, so for N not a multiple of the chunk it can leave a tail of segments: that
   * tail is reported ("log after merge"), not hidden by merging again.
   */
  async merge(id: string, n: number): Promise<{ mergeMs: number; folded: number; remaining: number }> {
    const { ms, value: res } = await timed(() => mergeActor(this.mergeDeps, this.at(id), this.entry));
    const left = (await this.redis.llen(this.logKey(id))) - 1;
    if (res.status !== 'merged' || res.folded + res.remaining !== n || left !== res.remaining) {
      throw new Error(
        `merge of ${id}: status ${res.status}, folded ${res.folded} + remaining ${res.remaining} of ${n}; log holds ${left}`,
      );
    }
    return { mergeMs: ms, folded: res.folded, remaining: res.remaining };
  }

  /** Deletes every key of the actor (synchronously, so freeing it does not overlap the next timing). */
  async drop(id: string): Promise<void> {
    const at = this.at(id);
    const k = this.keys;
    await this.redis.del(
      k.log(at.p, at.akey),
      k.history(at.p, at.akey),
      k.lock(at.p, at.akey),
      k.mailbox(at.p, at.akey),
    );
  }

  /** Warms the code paths (LRANGE, decode, fold, merge) so the first case is not the JIT's. */
  async warmup(): Promise<void> {
    for (const [id, merged] of [
      ['warmup-off', false],
      ['warmup-on', true],
    ] as const) {
      await this.build(id, 2_000, id);
      if (merged) await this.merge(id, 2_000);
      for (let i = 0; i < 30; i++) await this.activateOnce(id);
      await this.drop(id);
    }
    for (let i = 0; i < 30; i++) await this.activateOnce(NEW_ID);
  }

  async runCase(n: number): Promise<Case> {
    const tag = formatCount(n);
    const offId = `off-${n}`;
    const offBuildMs = await this.build(offId, n, `building ${tag} segments (merge off)`);
    this.ctx.status(`activation, ${tag} segments: merge off: measuring …`);
    const off = await this.measureActivation(offId, n);
    await this.drop(offId);

    const onId = `on-${n}`;
    const onBuildMs = await this.build(onId, n, `building ${tag} segments (merge on)`);
    this.ctx.status(`activation, ${tag} segments: merging …`);
    const merged = await this.merge(onId, n);
    this.ctx.status(`activation, ${tag} segments: merge on vs a new actor: measuring …`);
    const on = await this.measureAgainstNew(onId, n);
    await this.drop(onId);

    return {
      length: n,
      mergeOff: { ...off, buildMs: offBuildMs },
      mergeOn: { ...on, buildMs: onBuildMs, ...merged },
      onVsNew: on.summary.median / on.newActor.median,
    };
  }
}

function measurementsOf(cases: Case[]): Measurement[] {
  const out: Measurement[] = [];
  for (const c of cases) {
    const base = { scenario: 'activation', case: `${shortCount(c.length)} segments`, metric: 'ms' } as const;
    out.push(
      {
        ...base,
        system: SYSTEM_ON,
        better: 'lower',
        summary: c.mergeOn.summary,
        detail: {
          segments: c.length,
          logEntriesAfterMerge: c.mergeOn.logEntries,
          folded: c.mergeOn.folded,
          remaining: c.mergeOn.remaining,
          mergeMs: c.mergeOn.mergeMs,
          buildMs: c.mergeOn.buildMs,
          vsNewActor: c.onVsNew,
        },
      },
      {
        ...base,
        system: SYSTEM_OFF,
        better: 'lower',
        summary: c.mergeOff.summary,
        detail: { segments: c.length, logEntries: c.mergeOff.logEntries, buildMs: c.mergeOff.buildMs },
      },
      {
        ...base,
        system: SYSTEM_NEW,
        better: 'lower',
        summary: c.mergeOn.newActor,
        detail: { timedInTurnWith: SYSTEM_ON },
      },
    );
  }
  return out;
}

function targetOf(cases: Case[], quick: boolean): TargetCheck {
  const description = `activation at ${shortCount(TARGET_LENGTH)} historical segments within ${TARGET_RATIO}x of a new actor (merge on)`;
  const at = cases.find((c) => c.length === TARGET_LENGTH);
  if (at) {
    return {
      description,
      met: at.onVsNew <= TARGET_RATIO,
      observed: `${formatRatio(at.onVsNew)} a new actor (${formatMs(at.mergeOn.summary.median)} ms vs ${formatMs(at.mergeOn.newActor.median)} ms, medians)`,
    };
  }
  const longest = cases.reduce((a, b) => (b.length > a.length ? b : a));
  return {
    description,
    met: undefined,
    observed: `not measured${quick ? ' (--quick)' : ''}; at ${formatCount(longest.length)} segments: ${formatRatio(longest.onVsNew)} a new actor`,
  };
}

function notesOf(cases: Case[], newActor: Activation, redisVersion: string): string[] {
  const first = cases[0]!;
  const last = cases[cases.length - 1]!;
  // Flat: at every length, merge-on activation costs about what a new actor's does (each ratio is
  // against a new actor timed in turn with it, so drift between cases does not count).
  const ratios = cases.map((c) => c.onVsNew);
  const onMedians = cases.map((c) => c.mergeOn.summary.median);
  const flat = ratios.every((r) => r <= TARGET_RATIO);
  const offFirst = first.mergeOff.summary.median;
  const offLast = last.mergeOff.summary.median;
  return [
    'Activation as a worker does it on an actor’s first message: LRANGE the whole log, decode the base, fold every segment.',
    `Histories are written straight into Redis (N segments of { added: 1 }); merge on = one mergeActor call first; every run checked (count === seq === N). Redis ${redisVersion}.`,
    `"new actor" is timed in turn with the merge-on runs (A, B, A, B, …), so their ratio is not skewed by drift; alone it took ${formatSummary(newActor.summary)} ms (median of ${newActor.summary.runs}).`,
    `merge on: ${flat ? 'flat' : 'NOT flat'}, ${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))} of a new actor` +
      ` (medians ${formatMs(Math.min(...onMedians))}–${formatMs(Math.max(...onMedians))} ms across ${formatCount(first.length)}…${formatCount(last.length)} segments)`,
    `merge off: grows with history, ${formatMs(offFirst)} ms at ${formatCount(first.length)} to ${formatMs(offLast)} ms at ${formatCount(last.length)} (${formatRatio(offLast / offFirst)})`,
    `log after merge: ${cases.map((c) => `${shortCount(c.length)}: base + ${formatCount(c.mergeOn.remaining)} (merge took ${formatMs(c.mergeOn.mergeMs)} ms)`).join('; ')}`,
    `runs: ${cases.map((c) => `${shortCount(c.length)}: ${c.mergeOff.summary.runs} off / ${c.mergeOn.summary.runs} on`).join(', ')} (short logs get more runs: they are sub-millisecond and noisy)`,
    'No CPU-per-message table here: no message is committed, activations are timed one at a time in this process (the cold scenario has activation’s cost per message, processes apart).',
  ];
}

export const activation: Scenario = {
  name: 'activation',
  title: 'Activation cost against history length, merge on and off, vs a new actor',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const lengths = ctx.quick ? [100, 10_000, 100_000] : [100, 10_000, TARGET_LENGTH];
    const target = await ctx.redis();
    try {
      const { version } = await target.serverInfo();
      const bench = new Bench(target.client(), target.namespace, ctx);
      ctx.status('activation: warming up …');
      await bench.warmup();
      ctx.status('activation: new actor: measuring …');
      const newActor = await bench.measureActivation(NEW_ID, 0);
      const cases: Case[] = [];
      for (const n of lengths) cases.push(await bench.runCase(n));
      return {
        measurements: measurementsOf(cases),
        targets: [targetOf(cases, ctx.quick)],
        notes: notesOf(cases, newActor, version),
      };
    } finally {
      await target.close();
    }
  },
};
