import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { monitor } from './helpers/monitor.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('an idle worker issues only lease renewals (with its heartbeat) and its blocking wait', async (t) => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
  });
  const worker = await troupe.work({ leaseMs: 600 });
  t.after(async () => {
    await worker.stop();
    await troupe.close();
  });
  await troupe.ref(Counter, 'warm').ask('value');
  const admin = redis.client();
  const { seen, stop } = await monitor(redis.url);
  t.after(stop);
  await admin.config('RESETSTAT');
  // several lease ticks (every leaseMs / 3) and BLPOP timeouts (every second)
  await new Promise((r) => setTimeout(r, 2100));
  const stats = await admin.info('commandstats');
  stop();

  // INFO commandstats counts every command, including those run inside scripts
  const counted = [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => m[1]!);
  const harnessStats = new Set(['config|resetstat', 'info', 'monitor']);
  const allowed = new Set([
    'blpop',
    'evalsha',
    'eval',
    'exists',
    'get',
    // the heartbeat reads the namespace's placement (the meta hash) beside its script
    'hgetall',
    'hmget',
    'hset',
    'llen',
    'pexpire',
    'pexpireat',
    'smembers',
    'time',
    // the renewal looks at the partition's outbox (a cluster's cross-slot sends wait there)
    'xlen',
    'zadd',
    'zrange',
    'zrangebyscore',
    'zremrangebyscore',
  ]);
  for (const cmd of counted) {
    if (!harnessStats.has(cmd))
      assert.ok(allowed.has(cmd), `INFO commandstats shows ${cmd}: ${counted.join(' ')}`);
  }
  assert.ok(counted.includes('blpop') && counted.includes('pexpire'));

  // and `hello`, which ioredis 6 sends on every new connection (the test's own admin client connects
  // while the monitor records)
  const harness = new Set(['config', 'info', 'monitor', 'hello']);
  const top = seen.filter((s) => s.source !== 'lua' && !harness.has(s.cmd)).map((s) => s.cmd);
  const inner = new Set(seen.filter((s) => s.source === 'lua').map((s) => s.cmd));
  assert.ok(top.includes('blpop'), 'waits with BLPOP');
  assert.ok(top.includes('evalsha'), 'renews its leases');
  // ioredis sends a script's first call on a socket as EVAL, later ones as EVALSHA; the heartbeat
  // reads the meta hash beside its script (the two are in different cluster slots)
  for (const cmd of top)
    assert.ok(['blpop', 'evalsha', 'eval', 'hgetall'].includes(cmd), `unexpected command: ${cmd}`);
  const leaseWork = new Set([
    'exists',
    'get',
    'hmget',
    'hset',
    'llen',
    'pexpire',
    'pexpireat',
    'smembers',
    'time',
    'xlen',
    'zadd',
    'zrange',
    'zrangebyscore',
    'zremrangebyscore',
  ]);
  for (const cmd of inner) assert.ok(leaseWork.has(cmd), `unexpected command inside a script: ${cmd}`);
  assert.ok(inner.has('pexpire'), 'lease renewal seen');
});

it('turns of an already active actor read no context from Redis', async (t) => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
  });
  const worker = await troupe.work({ leaseMs: 2000 });
  t.after(async () => {
    await worker.stop();
    await troupe.close();
  });
  const hot = troupe.ref(Counter, 'hot');
  await hot.tell('add', 1);
  assert.equal(await hot.ask('value'), 1);

  const { seen, stop } = await monitor(redis.url);
  t.after(stop);
  for (let i = 0; i < 50; i++) await hot.tell('add', 1);
  assert.equal(await hot.ask('value'), 51);
  stop();

  const onLog = seen.filter((s) => s.args[0]?.endsWith(':ctx:counter/hot'));
  assert.ok(onLog.length > 0, 'segments were appended to the context log');
  assert.deepEqual(
    new Set(onLog.map((s) => s.cmd)),
    new Set(['rpush']),
    'the log is only appended to, never read',
  );
  const onMailbox = seen.filter((s) => s.args[0]?.endsWith(':mb:counter/hot'));
  assert.ok(
    onMailbox.some((s) => s.cmd === 'lrange'),
    'claims read the mailbox (so script commands are visible)',
  );
});
