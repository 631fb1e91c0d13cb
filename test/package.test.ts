// The package as a user gets it: `npm pack`, installed into a fresh project outside this repository
// (test/consumer), then used from plain ESM, from CommonJS, from a strict TypeScript project, and
// through its installed `troupe` bin (also under npx, stopped as a supervisor stops it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { processAlive } from '../src/runtime/process-alive.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { launchChromium } from './helpers/browser.ts';
import { ROOT, runProgram, type Run } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const TYPES_NODE = (require('@types/node/package.json') as { version: string }).version;
const TSX = (require('tsx/package.json') as { version: string }).version;

let redis: TestRedis;
let work: string;
let project: string;
let packed: { files: { path: string }[]; filename: string };
let installLog: string;

function sh(program: string, args: string[], cwd = project, timeoutMs = 300_000): Promise<Run> {
  return runProgram(program, args, { ...process.env, REDIS_URL: redis.url }, timeoutMs, { cwd });
}

function ok(run: Run, what: string): Run {
  assert.equal(run.code, 0, `${what} failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

const troupeBin = (...args: string[]) =>
  sh(join(project, 'node_modules/.bin/troupe'), ['-r', redis.url, ...args]);

before(async () => {
  redis = await startRedis();
  work = mkdtempSync(join(tmpdir(), 'troupe-consumer-'));
  const pack = ok(await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT), 'npm pack');
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[])[0]!;
  project = join(work, 'app');
  cpSync(join(ROOT, 'test/consumer'), project, { recursive: true });
  const install = ok(
    await sh('npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, packed.filename),
      `@types/node@${TYPES_NODE}`,
    ]),
    'npm install of the tarball',
  );
  installLog = install.stdout + install.stderr;
});

after(async () => {
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
});

it('the tarball holds only what a user runs, and installs without engine warnings', () => {
  const tops = new Set(packed.files.map((f) => f.path.split('/')[0]));
  assert.deepEqual([...tops].sort(), ['README.md', 'dist', 'package.json', 'src']);
  const paths = packed.files.map((f) => f.path);
  for (const must of ['dist/index.js', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/cli/main.js'])
    assert.ok(paths.includes(must), must);
  assert.ok(paths.includes('dist/redis/lua/commit.lua'), 'the Lua scripts sit beside their loader');
  assert.ok(!paths.some((p) => /\.test\.ts$/.test(p)), 'no tests');
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules/troupe/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.ok(!('tsx' in manifest.dependencies), 'tsx is not a runtime dependency');
  assert.doesNotMatch(installLog, /EBADENGINE/);
});

it('(1) a plain ESM script runs an actor end to end', async () => {
  const run = ok(await sh('node', ['app.mjs'], project), 'node app.mjs');
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as unknown;
  assert.deepEqual(out, { value: 5, context: { count: 5 } });
});

it("(2) require('troupe') works from CommonJS", async () => {
  const run = ok(await sh('node', ['require.cjs'], project), 'node require.cjs');
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { value: number; partition: number };
  assert.equal(out.value, 7);
  assert.ok(Number.isInteger(out.partition));
  assert.equal(run.stderr, '', 'no warnings');
});

it('(3) a strict TypeScript project compiles against the published types and runs; a wrong call does not compile', async () => {
  ok(await sh('node', [TSC, '-p', 'tsconfig.json']), 'tsc (strict, exactOptionalPropertyTypes)');
  const run = ok(await sh('node', ['out/strict.js']), 'node out/strict.js');
  assert.deepEqual(JSON.parse(run.stdout.trim()), { value: 4, context: { count: 4 } });

  const wrong = await sh('node', [TSC, '-p', 'tsconfig.wrong.json']);
  assert.notEqual(wrong.code, 0, 'wrong.ts must not compile');
  const failed = new Set(
    [...wrong.stdout.matchAll(/wrong\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])),
  );
  const expected = readFileSync(join(project, 'wrong.ts'), 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes('// must-fail') ? [i + 1] : []));
  assert.deepEqual([...failed].sort(), expected, wrong.stdout);
});

it('(4) the installed troupe bin runs a worker with a JavaScript actors module', async () => {
  const ns = uniqueNamespace('bin');
  ok(await troupeBin('-n', ns, 'setup'), 'troupe setup');
  ok(await troupeBin('-n', ns, 'send', 'counter', 'b-1', 'add', '6'), 'troupe send');
  ok(await troupeBin('-n', ns, 'worker', '-a', './actors.mjs', '--burst'), 'troupe worker --burst');
  const version = ok(await troupeBin('--version'), 'troupe --version').stdout.trim();
  assert.equal(
    version,
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  );
  assert.equal(await readCount(ns, 'b-1'), 6);
});

it("a TypeScript actors module needs the user's tsx: without it one line names the fix, with it the worker runs", async () => {
  const ns = uniqueNamespace('tsx');
  ok(await troupeBin('-n', ns, 'setup'), 'troupe setup');
  const without = await troupeBin('-n', ns, 'worker', '-a', './actors.ts', '--burst');
  assert.equal(without.code, 2, without.stderr);
  const lines = without.stderr.trim().split('\n');
  assert.equal(lines.length, 1, without.stderr);
  assert.match(lines[0]!, /npm i -D tsx/);
  assert.match(lines[0]!, /compiled \.js/);

  ok(
    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '-D', `tsx@${TSX}`]),
    'npm i -D tsx',
  );
  ok(await troupeBin('-n', ns, 'send', 'counter', 't-1', 'add', '3'), 'troupe send');
  ok(await troupeBin('-n', ns, 'worker', '-a', './actors.ts', '--burst'), 'troupe worker -a ./actors.ts');
  assert.equal(await readCount(ns, 't-1'), 3);
});

it('SIGTERM to `npx troupe worker` stops the worker gracefully (no orphan keeps its leases)', async () => {
  const ns = uniqueNamespace('npx');
  ok(await troupeBin('-n', ns, 'setup'), 'troupe setup');
  const troupe = await connect({ redis: redis.url, namespace: ns });
  const npx = spawn('npx', ['troupe', '-r', redis.url, '-n', ns, 'worker', '-a', './actors.mjs'], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // the worker's log, for the failure message
  let log = '';
  npx.stderr.on('data', (d: Buffer) => (log += d.toString()));
  let pid: number | undefined;
  try {
    await waitFor(
      'the worker in the registry',
      async () => (await troupe.admin.workers()).length === 1,
      60_000,
    );
    const [worker] = await troupe.admin.workers();
    pid = worker!.pid;
    assert.notEqual(worker!.pid, npx.pid, 'npx runs the worker in a child process');
    npx.kill('SIGTERM');
    await waitFor('the worker process to exit', () => !processAlive(worker!.pid), 30_000).catch(
      (err: Error) => {
        const stat = (() => {
          try {
            return readFileSync(`/proc/${worker!.pid}/stat`, 'utf8');
          } catch {
            return 'gone';
          }
        })();
        throw new Error(`${err.message}; /proc stat: ${stat}; its log:\n${log.slice(-3000)}`);
      },
    );
    const events = await troupe.admin.workerEvents(10);
    assert.ok(
      events.some((e) => e.event === 'left' && e.worker === worker!.name),
      `a clean exit is recorded: ${JSON.stringify(events)}`,
    );
    assert.deepEqual(await troupe.admin.workers(), [], 'its registry entry is gone, not left to expire');
  } finally {
    npx.kill('SIGKILL');
    // without the fix the worker outlives npx: never leave it running after a failure
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    await troupe.close();
  }
});

it('(5) the installed `troupe dashboard` serves its page, which runs in Chromium with no build step', async () => {
  const ns = uniqueNamespace('dash');
  ok(await troupeBin('-n', ns, 'setup'), 'troupe setup');
  const bin = join(project, 'node_modules/.bin/troupe');
  const dash = spawn(bin, ['-r', redis.url, '-n', ns, 'dashboard', '--port', '0', '-a', './actors.mjs'], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  dash.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => dash.on('exit', r));
  const browser = await launchChromium();
  try {
    let address = '';
    await waitFor(
      'the dashboard to listen',
      () => {
        if (dash.exitCode !== null) throw new Error(`troupe dashboard exited (${dash.exitCode}):\n${log}`);
        address = /"address":"([^"]+)"/.exec(log)?.[1] ?? '';
        return address !== '';
      },
      60_000,
    );
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    page.on('pageerror', (e) => failed.push(e.message));
    await page.goto(address);
    await page.getByRole('heading', { name: `Troupe ${ns}` }).waitFor();
    await page.locator('#load canvas').first().waitFor();
    assert.deepEqual(failed, [], 'every file the page loads is in the package or its dependencies');
  } finally {
    await browser.close();
    dash.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `a graceful stop:\n${log}`);
});

/** The counter's context, folded by this repository's Counter (the same type and fold as the consumer's). */
async function readCount(ns: string, id: string): Promise<number> {
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter] });
  try {
    return (await troupe.ref(Counter, id).read()).count;
  } finally {
    await troupe.close();
  }
}
