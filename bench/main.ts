/**
 * `npm run bench`: Troupe against BullMQ and a plain Redis pipeline, in one run, on this machine.
 *
 * Each scenario runs on private redis-servers this process starts (no persistence unless --aof),
 * repeats each measurement, and reports the median with its spread (min–max). Output: tables on
 * stdout with Troupe's ratio against each peer, a JSON file, and an SVG chart next to it.
 *
 *   npm run bench                              # everything, a few minutes on 2 cores
 *   npm run bench -- --quick                   # smaller sizes, one run each: under a minute
 *   npm run bench -- --scenario throughput --runs 5
 *   npm run bench -- --json results.json       # also results.svg
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { renderChart } from './lib/chart.ts';
import { progress } from './lib/progress.ts';
import { openBenchRedis } from './lib/redis.ts';
import { environment, writeJsonReport } from './lib/report.ts';
import { renderResults } from './lib/results.ts';
import type { BenchContext, Scenario, ScenarioOutcome } from './lib/scenario.ts';
import { activation } from './scenarios/activation.ts';
import { ask } from './scenarios/ask.ts';
import { cold } from './scenarios/cold.ts';
import { index } from './scenarios/index.ts';
import { flow } from './scenarios/flow.ts';
import { cpuTarget } from './scenarios/cpu-target.ts';
import { latency } from './scenarios/latency.ts';
import { memory } from './scenarios/memory.ts';
import { shards } from './scenarios/shards.ts';
import { throughput } from './scenarios/throughput.ts';

const SCENARIOS: Scenario[] = [throughput, cold, latency, activation, memory, ask, shards, index, flow];

const HELP = `Usage: npm run bench -- [options]

  --quick            smaller sizes and one run of each measurement (under a minute)
  --scenario NAME    run only this scenario; repeat or comma-separate for several
                     (${SCENARIOS.map((s) => s.name).join(', ')})
  --runs N           repetitions of each measurement (default 3; --quick: 1)
  --json FILE        where the JSON goes (default bench-results/latest.json); the SVG chart is
                     written next to it with the same name
  --aof              private servers run with appendonly yes, appendfsync everysec
  --cpu-prof DIR     write V8 CPU profiles of the sender and worker processes into DIR
  -h, --help         this text

Starts its own redis-server for every run (it must be on PATH), or uses REDIS_URL if set (each run
in a fresh namespace, deleted afterwards).`;

interface Options {
  quick: boolean;
  scenarios: Scenario[];
  runs: number;
  json: string;
  aof: boolean;
}

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        scenario: { type: 'string', multiple: true },
        runs: { type: 'string' },
        json: { type: 'string', default: 'bench-results/latest.json' },
        aof: { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const names = (values.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim());
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) fail(`unknown scenario "${unknown.join('", "')}"`);
  const runs = values.runs === undefined ? (values.quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number ≥ 1, got "${values.runs}"`);
  if (values['cpu-prof']) {
    const dir = resolve(values['cpu-prof']);
    mkdirSync(dir, { recursive: true });
    process.env.TROUPE_BENCH_CPU_PROF = dir;
  }
  return {
    quick: values.quick,
    scenarios: names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS,
    runs,
    json: values.json,
    aof: values.aof,
  };
}

function status(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const opts = options();
  const serverArgs = opts.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : [];
  const ctx: BenchContext = {
    quick: opts.quick,
    runs: opts.runs,
    aof: opts.aof,
    redis: () => openBenchRedis('bench', { serverArgs }),
    status,
    progress,
  };
  const probe = await ctx.redis();
  const info = await probe.serverInfo();
  await probe.close();
  status(
    `Troupe benchmarks${opts.quick ? ' (--quick)' : ''}: ${opts.scenarios.map((s) => s.name).join(', ')}; ` +
      `${opts.runs} run(s) each; Redis ${info.version} (${probe.kind === 'private' ? 'private servers' : 'REDIS_URL'}${opts.aof ? ', AOF everysec' : ''})`,
  );

  const started = Date.now();
  const outcomes: { scenario: Scenario; outcome: ScenarioOutcome }[] = [];
  for (const scenario of opts.scenarios) {
    status(`\n== ${scenario.name}: ${scenario.title}`);
    const outcome = await scenario.run(ctx);
    outcomes.push({ scenario, outcome });
    console.log(renderResults([{ scenario, outcome }]));
  }
  const elapsed = (Date.now() - started) / 1000;

  const cpu = cpuTarget(outcomes.map((o) => ({ name: o.scenario.name, outcome: o.outcome })));
  const targets = [...outcomes.flatMap((o) => o.outcome.targets ?? []), ...(cpu ? [cpu] : [])];
  if (targets.length > 0) {
    console.log('\nTargets (issues 5 and 13):');
    for (const t of targets) {
      const verdict = t.met === undefined ? 'not measured' : t.met ? 'MET' : 'MISSED';
      console.log(`  ${verdict.padEnd(12)} ${t.description}: ${t.observed}`);
    }
  }

  const measurements = outcomes.flatMap((o) => o.outcome.measurements);
  const json = resolve(opts.json);
  mkdirSync(dirname(json), { recursive: true });
  const env = environment({ kind: probe.kind, version: info.version });
  writeJsonReport(json, 'troupe', env, {
    quick: opts.quick,
    runs: opts.runs,
    aof: opts.aof,
    elapsedSeconds: elapsed,
    // every target, those that span scenarios included
    targets,
    scenarios: outcomes.map((o) => ({ name: o.scenario.name, title: o.scenario.title, ...o.outcome })),
  });
  const svg = json.replace(/\.json$/i, '') + '.svg';
  writeFileSync(
    svg,
    renderChart(measurements, {
      title: `Troupe benchmarks — ${env.cpus} CPUs, Redis ${info.version}, ${env.date.slice(0, 10)}`,
    }),
  );
  console.log(`\n${elapsed.toFixed(0)} s; wrote ${json} and ${svg}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
