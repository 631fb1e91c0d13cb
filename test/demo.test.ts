import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startPrivateRedis } from '../tools/private-redis.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runNode } from './helpers/run.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('npm run demo', () => {
  it('against REDIS_URL: every context matches what was sent (PASS), and the namespace is deleted', async () => {
    const r = await runNode(['--import', 'tsx', 'demo/main.ts', '--messages', '2000'], {
      ...process.env,
      REDIS_URL: redis.url,
    });
    const output = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, 0, output);
    assert.match(r.stdout, /^PASS$/m, output);
    assert.match(r.stdout, /messages\s+2,000/, output);
    assert.match(r.stdout, /contexts\s+200\/200 equal/, output);
    assert.match(r.stdout, /deleted \d+ keys of namespace demo-/, output);
    assert.deepEqual(await redis.client().keys('*troupe:demo-*'), []);
  });

  it('without REDIS_URL: starts and removes a private redis-server of its own', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    const r = await runNode(['--import', 'tsx', 'demo/main.ts', '--messages', '1000', '--senders', '2'], env);
    const output = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, 0, output);
    assert.match(r.stdout, /REDIS_URL is not set, starting a private redis-server/, output);
    assert.match(r.stdout, /^PASS$/m, output);
    const dir = /temp dir (\S+);/.exec(r.stdout)?.[1];
    assert.ok(dir, output);
    assert.equal(existsSync(dir), false, `${dir} should be removed`);
  });

  it('rejects a bad flag with usage', async () => {
    const r = await runNode(['--import', 'tsx', 'demo/main.ts', '--messages', 'lots'], {
      ...process.env,
      REDIS_URL: redis.url,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--messages must be a positive whole number/);
    assert.match(r.stderr, /Usage: npm run demo/);
  });
});

describe('tools/private-redis', () => {
  it('says how to get redis-server when there is none', async () => {
    await assert.rejects(startPrivateRedis({ bin: 'no-such-redis-server-here' }), (err: Error) => {
      assert.match(err.message, /sudo apt-get install redis-server/);
      assert.match(err.message, /brew install redis/);
      assert.match(err.message, /REDIS_URL/);
      return true;
    });
  });

  it('can be killed and restarted on the same port', async () => {
    const r = await startPrivateRedis();
    try {
      const before = r.client();
      await before.set('k', 'v');
      await r.stop('SIGKILL');
      await r.start();
      const c = r.client();
      assert.equal(await c.ping(), 'PONG');
      assert.equal(await c.get('k'), null, 'no persistence: a restart starts empty');
    } finally {
      await r.stop();
    }
    assert.equal(existsSync(r.dir), false);
  });
});
