// The architecture check (`npm run check:architecture`, .dependency-cruiser.mjs): it passes on src/
// as it is, and fails, naming each rule, on a copy of src/ with a violation of each rule put in.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { ROOT, runNode } from './helpers/run.ts';

const depcruise = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The check's violations in `cwd`, from its JSON report (which exits 0 whatever it finds). */
async function violations(cwd: string): Promise<string[]> {
  const run = await runNode(
    [depcruise, '--config', '.dependency-cruiser.mjs', '--output-type', 'json', 'src'],
    process.env,
    120_000,
    { cwd },
  );
  assert.ok(run.stdout.startsWith('{'), `depcruise printed no report:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

/** Runs the check as `npm run check:architecture` does; returns its exit code. */
async function checkExit(cwd: string): Promise<number | null> {
  const run = await runNode([depcruise, '--config', '.dependency-cruiser.mjs', 'src'], process.env, 120_000, {
    cwd,
  });
  return run.code;
}

const temp = mkdtempSync(join(tmpdir(), 'troupe-architecture-'));
after(() => rmSync(temp, { recursive: true, force: true }));

it('passes on src/', async () => {
  assert.deepEqual(await violations(ROOT), []);
  assert.equal(await checkExit(ROOT), 0);
});

it('fails on an upward import, a cycle, a static load of the runtime and an unplaced module', async () => {
  cpSync(join(ROOT, 'src'), join(temp, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.mjs', 'tsconfig.json', 'package.json'])
    cpSync(join(ROOT, file), join(temp, file));
  symlinkSync(join(ROOT, 'node_modules'), join(temp, 'node_modules'), 'dir');
  const inject = (file: string, line: string) => appendFileSync(join(temp, 'src', file), `\n${line}\n`);
  // redis/ sits below client/
  inject('redis/keys.ts', "export type { Troupe } from '../client/troupe.ts';");
  // listen.ts imports errors.ts: base files may use one another, but not in a circle
  inject('errors.ts', "export { listenOn } from './listen.ts';");
  // metrics/ sits above runtime/, but index.ts exports it: it must not load the runtime
  inject('metrics/index.ts', "export { defaultWorkerName } from '../runtime/worker.ts';");
  // a new room nobody placed in a layer
  writeFileSync(join(temp, 'src', 'stray.ts'), 'export const stray = 1;\n');
  inject('index.ts', "export { stray } from './stray.ts';");

  const found = await violations(temp);
  for (const expected of [
    'layer-redis: src/redis/keys.ts -> src/client/troupe.ts',
    'no-circular: src/errors.ts -> src/listen.ts',
    'runtime-loads-lazily: src/metrics/index.ts -> src/runtime/worker.ts',
    'import-of-unplaced-room: src/index.ts -> src/stray.ts',
  ])
    assert.ok(found.includes(expected), `expected ${expected} among:\n${found.join('\n')}`);
  assert.notEqual(await checkExit(temp), 0);
});
