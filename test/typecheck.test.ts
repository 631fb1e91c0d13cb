import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { it } from 'node:test';

const FILE = 'test/typecheck/must-fail/refs.ts';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

it('the compiler rejects wrong method names, argument and result types on refs', () => {
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', 'test/typecheck/tsconfig.json'], {
    encoding: 'utf8',
  });
  const errorLines = new Set(
    [...run.stdout.matchAll(/refs\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])),
  );
  const expected = readFileSync(FILE, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes('// must-fail') ? [i + 1] : []));
  assert.ok(expected.length >= 8, 'the fixture marks its failing lines');
  assert.notEqual(run.status, 0, 'tsc fails on the file');
  for (const line of expected)
    assert.ok(errorLines.has(line), `line ${line} should not compile:\n${run.stdout}`);
  for (const line of errorLines)
    assert.ok(expected.includes(line), `line ${line} should compile:\n${run.stdout}`);
});
