import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runNode } from './helpers/run.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('examples', () => {
  it('counter: tells, asks and reads, then exits 0 and leaves no keys', async () => {
    const r = await runNode(['--import', 'tsx', 'examples/counter/main.ts'], {
      ...process.env,
      REDIS_URL: redis.url,
    });
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /ask value -> 12/);
    assert.match(r.stdout, /read -> \{"count":12\}/);
    const keys = await redis.client().keys('*counter-example-*');
    assert.deepEqual(keys, []);
  });

  it('orders: finds actors by their indexes and leaves no keys', async () => {
    const r = await runNode(['--import', 'tsx', 'examples/orders/main.ts'], {
      ...process.env,
      REDIS_URL: redis.url,
    });
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /late: o-2, o-5, o-9, o-11/);
    assert.match(r.stdout, /eu, total >= 300: o-7, o-9, o-11/);
    assert.match(r.stdout, /orders: 11/);
    assert.deepEqual(await redis.client().keys('*orders-example-*'), []);
  });

  it('aggregator: completes every job exactly once and verifies the results', async () => {
    const r = await runNode(['--import', 'tsx', 'examples/aggregator/main.ts'], {
      ...process.env,
      REDIS_URL: redis.url,
    });
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /starting order-1 again returned false/);
    assert.match(r.stdout, /12\/12 jobs complete, each exactly once/);
    assert.match(r.stdout, /all results verified/);
    assert.doesNotMatch(r.stdout + r.stderr, /FAIL/);
  });

  it('runs the same example twice against one Redis without mixing state', async () => {
    const [a, b] = await Promise.all([
      runNode(['--import', 'tsx', 'examples/counter/main.ts'], { ...process.env, REDIS_URL: redis.url }),
      runNode(['--import', 'tsx', 'examples/counter/main.ts'], { ...process.env, REDIS_URL: redis.url }),
    ]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.match(r.stdout, /ask value -> 12/);
    }
  });
});
