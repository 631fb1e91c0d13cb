import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { runProgram } from './helpers/run.ts';

for (const late of [false, true]) {
  const when = late ? ', even when it exited before the watch was set' : '';
  it(`a process whose parent exits is told so (the worker and serve stop on it as on SIGTERM)${when}`, async () => {
    // the shell starts the child in the background and exits once told to: the child is orphaned
    const dir = mkdtempSync(join(tmpdir(), 'troupe-parent-'));
    const ready = join(dir, 'ready');
    const script =
      `${JSON.stringify(process.execPath)} --import tsx test/fixtures/parent-exit.ts & ` +
      `while [ ! -e ${JSON.stringify(ready)} ]; do sleep 0.05; done`;
    const env = { ...process.env, READY_FILE: ready, ...(late ? { WATCH_LATE: '1' } : {}) };
    const run = await runProgram('sh', ['-c', script], env, 60_000);
    rmSync(dir, { recursive: true, force: true });
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^started \d+$/, run.stdout + run.stderr);
    assert.match(lines[1] ?? '', /^parent gone, now \d+$/, run.stdout + run.stderr);
  });
}
