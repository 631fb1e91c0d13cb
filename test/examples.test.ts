import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** Runs a TypeScript entry point the way a user would (`node --import tsx <file>`). */
function run(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('examples', () => {
  it('counter: tells, asks and reads, then exits 0 and leaves no keys', async () => {
    const r = await run('examples/counter/main.ts', { REDIS_URL: redis.url });
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.out}\nstderr:\n${r.err}`);
    assert.match(r.out, /ask value -> 12/);
    assert.match(r.out, /read -> \{"count":12\}/);
    const keys = await redis.client().keys('*counter-example-*');
    assert.deepEqual(keys, []);
  });

  it('aggregator: completes every job exactly once and verifies the results', async () => {
    const r = await run('examples/aggregator/main.ts', { REDIS_URL: redis.url });
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.out}\nstderr:\n${r.err}`);
    assert.match(r.out, /starting order-1 again returned false/);
    assert.match(r.out, /12\/12 jobs complete, each exactly once/);
    assert.match(r.out, /all results verified/);
    assert.doesNotMatch(r.out + r.err, /FAIL/);
  });

  it('runs the same example twice against one Redis without mixing state', async () => {
    const [a, b] = await Promise.all([
      run('examples/counter/main.ts', { REDIS_URL: redis.url }),
      run('examples/counter/main.ts', { REDIS_URL: redis.url }),
    ]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.out}\nstderr:\n${r.err}`);
      assert.match(r.out, /ask value -> 12/);
    }
  });
});
