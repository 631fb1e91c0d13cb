// "A process that only sends does not load the runtime": connect() and tell load no module of
// src/runtime/; troupe.work() loads it when a worker starts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runNode } from './helpers/run.ts';
import { uniqueNamespace } from './helpers/wait.ts';

let redis: TestRedis;
const temp = mkdtempSync(join(tmpdir(), 'troupe-lazy-runtime-'));
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
  rmSync(temp, { recursive: true, force: true });
});

const runtimeModules = (urls: string[]) => urls.filter((u) => u.includes('/src/runtime/'));

it('loads no module of src/runtime/ to connect and tell, and loads the worker on work()', async () => {
  const log = join(temp, 'loaded.txt');
  const run = await runNode([
    '--import',
    'tsx',
    'test/fixtures/only-sends.ts',
    redis.url,
    uniqueNamespace(),
    log,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = readFileSync(log, 'utf8').split('\n');
  const at = lines.indexOf('work()');
  assert.ok(at > 0, 'the child wrote its work() mark');
  const sending = lines.slice(0, at);
  // the hooks did see the client load, so an empty list below means something
  assert.ok(
    sending.some((u) => /\/src\/client\/troupe\.ts(\?|$)/.test(u)),
    sending.join('\n'),
  );
  assert.deepEqual(runtimeModules(sending), []);
  const working = runtimeModules(lines.slice(at));
  assert.ok(
    working.some((u) => /\/src\/runtime\/worker\.ts(\?|$)/.test(u)),
    working.join('\n'),
  );
});
