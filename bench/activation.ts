/**
 * `npm run bench:activation`: what a worker pays to activate an actor with a long history, against
 * the history's length, with and without merge.
 *
 * Activation is measured exactly as the worker does it on an actor's first message: one
 * `LRANGE log 0 -1` and `activate()` (decode the base, fold every segment with the actor's `apply`).
 * For each history length N the log is written straight into Redis (N segments of `{ added: 1 }`,
 * the bytes a turn's commit appends), then measured:
 *
 * - merge off: the raw log, base '' + N segments;
 * - merge on: the same history on another actor after `mergeActor` folded it into a base;
 * - and, as the reference, a brand-new actor (no log at all).
 *
 * Every activation is checked (count === N, seq === N); a wrong context fails the run (exit 1).
 * The issue's target: activation at 1M historical segments within 2x of a new actor, merge on.
 *
 *   npm run bench:activation                       # 100, 10k, 1M
 *   npm run bench:activation -- --quick            # 100, 10k, 100k
 *   npm run bench:activation -- --json out.json
 */
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { ActorRegistry, type RegisteredActor } from '../src/actor/registry.ts';
import { actorKey, partitionOf } from '../src/protocol/partition.ts';
import { Keys } from '../src/redis/keys.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { activate, type ActiveActor } from '../src/runtime/active-actor.ts';
import { mergeActor, type ActorAt, type MergeDeps } from '../src/runtime/merge.ts';
import { BenchCounter, type CounterCtx } from './actors.ts';
import { writeHistory } from './lib/history.ts';
import { progress } from './lib/progress.ts';
import { openBenchRedis } from './lib/redis.ts';
import { renderTable } from './lib/table.ts';
import { environment, writeJsonReport } from './lib/report.ts';
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
} from './lib/timing.ts';

const HELP = `Usage: npm run bench:activation -- [options]

  --quick          history lengths 100, 10k, 100k (default: 100, 10k, 1M)
  --lengths LIST   comma-separated history lengths, e.g. 100,1000,50000
  --json FILE      also write the results as JSON to FILE
  -h, --help       this text

Uses REDIS_URL if set (in a fresh namespace, deleted afterwards); otherwise starts a private
redis-server without persistence (it must be on PATH).`;

/** The issue's target: merge-on activation at the longest history within this factor of a new actor. */
const TARGET_RATIO = 2;
const TARGET_LENGTH = 1_000_000;
/** Partitions only decide key names here; the default of a new system. */
const PARTITIONS = 64;
/** The id of the actor that never had a message. */
const NEW_ID = 'new';

interface Options {
  lengths: number[];
  json: string | undefined;
  quick: boolean;
}

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        lengths: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  let lengths = values.quick ? [100, 10_000, 100_000] : [100, 10_000, 1_000_000];
  if (values.lengths !== undefined) {
    lengths = values.lengths.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
    if (lengths.some((n) => !Number.isInteger(n) || n <= 0)) {
      console.error(`--lengths must be positive whole numbers, got "${values.lengths}"\n\n${HELP}`);
      process.exit(2);
    }
  }
  return { lengths, json: values.json, quick: values.quick };
}

/**
 * Timed runs by how many log entries one activation reads: short logs are sub-millisecond and
 * round-trip bound, so many runs tame the noise; a 1M-entry log takes seconds, three runs do.
 * Long logs get a full GC before each run so one run does not pay for the previous run's
 * garbage; short ones do not, since a forced GC leaves caches cold and makes a 0.1 ms operation
 * take 0.4 ms (measured), which would flatter the merge-on vs new-actor ratio's denominator.
 */
function runsFor(entries: number): { runs: number; warmup: number; before?: () => void } {
  if (entries <= 1_000) return { runs: 31, warmup: 5 };
  if (entries <= 20_000) return { runs: 7, warmup: 2 };
  if (entries <= 200_000) return { runs: 5, warmup: 1, before: collectGarbage };
  return { runs: 3, warmup: 0, before: collectGarbage };
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
  ) {
    this.keys = new Keys(namespace);
    this.entry = new ActorRegistry([BenchCounter]).require(BenchCounter.type);
    this.mergeDeps = {
      redis,
      scripted: withScripts(redis),
      keys: this.keys,
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

  /** Writes N segments of `{ added: 1 }` after an initial() base, with a progress line for long ones. */
  async build(id: string, n: number, label: string): Promise<number> {
    const bar = n >= 100_000 ? progress(label, n) : undefined;
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
    return activate(this.entry, id, log, Date.now());
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
      ...runsFor(logEntries),
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
      runsFor(logEntries),
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
    status(`${tag}: merge off: measuring activation …`);
    const off = await this.measureActivation(offId, n);
    await this.drop(offId);

    const onId = `on-${n}`;
    const onBuildMs = await this.build(onId, n, `building ${tag} segments (merge on)`);
    status(`${tag}: merging …`);
    const merged = await this.merge(onId, n);
    status(`${tag}: merge on: measuring activation …`);
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

function status(line: string): void {
  process.stderr.write(`${line}\n`);
}

function report(cases: Case[], newActor: Activation, opts: Options): { lines: string[]; targetMet: boolean } {
  const table = renderTable(
    [
      'history (segments)',
      'merge off: median ms (min–max)',
      'merge on: median ms (min–max)',
      'new actor, alongside: median ms',
      'merge on vs new actor',
      'log after merge',
      'merge took',
    ],
    cases.map((c) => [
      formatCount(c.length),
      formatSummary(c.mergeOff.summary),
      formatSummary(c.mergeOn.summary),
      formatMs(c.mergeOn.newActor.median),
      formatRatio(c.onVsNew),
      `base + ${formatCount(c.mergeOn.logEntries - 1)}`,
      `${formatMs(c.mergeOn.mergeMs)} ms`,
    ]),
  );
  const lines = [
    '',
    'Activation (LRANGE log + fold, as a worker does on an actor’s first message), per history length:',
    '',
    table,
    '',
    `new actor (no history), reference: ${formatSummary(newActor.summary)} ms, median of ${newActor.summary.runs} runs;` +
      ' the ratio column divides by a new actor timed in turn with each merge-on case (A, B, A, B, …)',
    `runs per case: ${cases.map((c) => `${formatCount(c.length)}: ${c.mergeOff.summary.runs} off / ${c.mergeOn.summary.runs} on`).join(', ')}`,
  ];

  // Flat: at every length, merge-on activation costs about what a new actor's does (each ratio is
  // against a new actor timed in turn with it, so drift between cases does not count).
  const ratios = cases.map((c) => c.onVsNew);
  const onMedians = cases.map((c) => c.mergeOn.summary.median);
  const flat = ratios.every((r) => r <= TARGET_RATIO);
  lines.push(
    `merge on: ${flat ? 'flat' : 'NOT flat'} — ${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))} of a new actor` +
      ` (flat: within ${TARGET_RATIO}x at every length; medians ${formatMs(Math.min(...onMedians))}–${formatMs(Math.max(...onMedians))} ms` +
      ` across ${formatCount(cases[0]!.length)}…${formatCount(cases[cases.length - 1]!.length)} segments)`,
  );
  const offFirst = cases[0]!.mergeOff.summary.median;
  const offLast = cases[cases.length - 1]!.mergeOff.summary.median;
  lines.push(
    `merge off: grows with history — ${formatMs(offFirst)} ms at ${formatCount(cases[0]!.length)} to ${formatMs(offLast)} ms at ${formatCount(cases[cases.length - 1]!.length)} (${formatRatio(offLast / offFirst)})`,
  );

  const longest = cases.reduce((a, b) => (b.length > a.length ? b : a));
  const targetMet = longest.onVsNew <= TARGET_RATIO;
  const verdict = targetMet ? 'MET' : 'MISSED';
  if (longest.length >= TARGET_LENGTH) {
    lines.push(
      `target: activation at ${formatCount(TARGET_LENGTH)} historical segments within ${TARGET_RATIO}x of a new actor (merge on): ${verdict} (${formatRatio(longest.onVsNew)} at ${formatCount(longest.length)})`,
    );
  } else {
    lines.push(
      `target (${TARGET_RATIO}x of a new actor at ${formatCount(TARGET_LENGTH)}, merge on): not measured${opts.quick ? ' (--quick)' : ''}; at ${formatCount(longest.length)}: ${formatRatio(longest.onVsNew)}, within ${TARGET_RATIO}x: ${targetMet ? 'yes' : 'NO'}`,
    );
  }
  return { lines, targetMet };
}

async function main(): Promise<void> {
  const opts = options();
  const target = await openBenchRedis('bench-activation');
  try {
    const info = await target.serverInfo();
    status(
      `Redis ${info.version} (${target.kind === 'private' ? `private server at ${target.url}` : `REDIS_URL, namespace ${target.namespace}`})`,
    );
    const bench = new Bench(target.client(), target.namespace);
    status('warming up …');
    await bench.warmup();

    status('new actor: measuring activation …');
    const newActor = await bench.measureActivation(NEW_ID, 0);
    const cases: Case[] = [];
    for (const n of opts.lengths) cases.push(await bench.runCase(n));

    const { lines, targetMet } = report(cases, newActor, opts);
    console.log(lines.join('\n'));

    if (opts.json) {
      writeJsonReport(opts.json, 'activation', environment({ kind: target.kind, version: info.version }), {
        unit: 'ms',
        target: { ratio: TARGET_RATIO, length: TARGET_LENGTH, met: targetMet },
        newActor,
        cases,
      });
      status(`wrote ${opts.json}`);
    }
  } finally {
    await target.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
