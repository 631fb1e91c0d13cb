import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, it } from 'node:test';
import type { Troupe } from '../src/index.ts';
import { Keys } from '../src/redis/keys.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { waitFor } from './helpers/wait.ts';
import { freshSystem } from './helpers/system.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const PARTITIONS = 8;

async function owners(troupe: Troupe): Promise<(string | null)[]> {
  const admin = redis.client();
  const keys = new Keys(troupe.namespace);
  const res = await Promise.all([...Array(PARTITIONS).keys()].map((p) => admin.get(keys.owner(p))));
  admin.disconnect();
  return res;
}

async function redisNow(): Promise<number> {
  const admin = redis.client();
  const [s, us] = await admin.time();
  admin.disconnect();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

it('the registry lists live workers with their statistics and drops a SIGKILLed one when its heartbeat expires', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  const lease = ['--lease-ms', '1500'];
  const alpha = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'alpha', ...lease]);
  const beta = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'beta', ...lease]);
  for (let i = 0; i < 40; i++) await troupe.ref(Counter, `c-${i}`).tell('add', 1);

  await waitFor('both workers listed, sharing every partition, with the 40 turns counted', async () => {
    const ws = await troupe.admin.workers();
    const held = ws.flatMap((w) => w.partitions).sort((a, b) => a - b);
    const turns = ws.reduce((n, w) => n + w.turnsSucceeded, 0);
    return ws.length === 2 && held.join() === '0,1,2,3,4,5,6,7' && turns === 40;
  });
  const listed = await troupe.admin.workers();
  assert.deepEqual(
    listed.map((w) => w.name),
    ['alpha', 'beta'],
  );
  for (const [w, proc] of [
    [listed[0]!, alpha],
    [listed[1]!, beta],
  ] as const) {
    assert.equal(w.pid, proc.pid);
    assert.equal(w.host, hostname());
    assert.equal(w.leaseMs, 1500);
    assert.ok(w.types.includes('counter'), w.types.join());
    assert.deepEqual(w.pools, ['default']);
    assert.ok(w.partitions.length > 0);
    assert.equal(w.turnsFailed, 0);
    assert.ok(w.startedAt > 0 && w.startedAt <= Date.now());
    assert.ok(w.expiresAt > w.heartbeatAt);
  }

  const info = await troupe.admin.info();
  assert.deepEqual(
    info.workers.map((w) => [w.name, w.owns.length > 0]),
    [
      ['alpha', true],
      ['beta', true],
    ],
  );
  const json = await runCli(['-r', redis.url, '-n', ns, 'workers', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { name: string }[]).map((w) => w.name),
    ['alpha', 'beta'],
  );
  const text = await runCli(['-r', redis.url, '-n', ns, 'workers', '--events', '5']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^NAME\s+UP\s+POOLS\s+PARTITIONS/m);
  assert.match(text.stdout, /^alpha\s+\S+\s+default\s/m);
  assert.match(text.stdout, /^alpha\s/m);
  assert.match(text.stdout, /born\s+beta/);

  beta.proc.kill('SIGKILL');
  await beta.exited();
  const admin = redis.client();
  const expiry = Number(await admin.zscore(new Keys(ns).workers(), 'beta'));
  admin.disconnect();
  // its last heartbeat set the expiry at most one lease ahead
  assert.ok(expiry - (await redisNow()) <= 1500, `beta's entry expires ${expiry}`);
  await waitFor('the Redis clock to pass beta’s expiry', async () => (await redisNow()) > expiry);
  assert.deepEqual(
    (await troupe.admin.workers()).map((w) => w.name),
    ['alpha'],
    'gone from the registry once its heartbeat timed out',
  );

  await waitFor('alpha to take over every partition', async () =>
    (await owners(troupe)).every((o) => o === 'alpha'),
  );
  await waitFor('the death recorded by alpha’s heartbeat', async () =>
    (await troupe.admin.workerEvents()).some((e) => e.event === 'expired' && e.worker === 'beta'),
  );
  const events = await troupe.admin.workerEvents();
  assert.ok(events.some((e) => e.event === 'born' && e.worker === 'alpha'));
  assert.ok(events.some((e) => e.event === 'born' && e.worker === 'beta'));

  assert.equal(await alpha.terminate(), 0);
  assert.deepEqual(await troupe.admin.workers(), []);
  assert.ok((await troupe.admin.workerEvents()).some((e) => e.event === 'left' && e.worker === 'alpha'));
  await troupe.close();
});

it('SIGTERM hands every partition to the other worker at once, long before its lease would expire', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  // a lease of a minute: a hand-over that waited for expiry would time the test out
  const lease = ['--lease-ms', '60000'];
  const alpha = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'alpha', ...lease]);
  const beta = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'beta', ...lease]);
  await waitFor('both to hold partitions', async () => {
    const o = await owners(troupe);
    return o.includes('alpha') && o.includes('beta') && o.every((x) => x !== null);
  });

  const sends: Promise<void>[] = [];
  for (let i = 0; i < 400; i++) sends.push(troupe.ref(Counter, `c-${i % 40}`).tell('add', 1));
  alpha.proc.kill('SIGTERM');
  await Promise.all(sends);
  assert.equal(await alpha.exited(), 0, alpha.output());
  assert.equal(alpha.logs('worker stopped').length, 1, alpha.output());

  await waitFor(
    'beta to own every partition',
    async () => (await owners(troupe)).every((o) => o === 'beta'),
    20_000,
  );
  // nothing sent during the hand-over was lost or applied twice
  for (let i = 0; i < 40; i++) assert.equal(await troupe.ref(Counter, `c-${i}`).ask('value'), 10);
  assert.equal(await beta.terminate(), 0);
  await troupe.close();
});

it('a worker is named <host>:<pid> by default; a second live worker of one name is refused', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  const first = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--lease-ms', '1500']);
  const name = `${hostname()}:${first.pid}`;
  await waitFor('it to be listed', async () => (await troupe.admin.workers()).some((w) => w.name === name));

  const twin = await runCli(
    [
      '-r',
      redis.url,
      '-n',
      ns,
      'worker',
      '-a',
      'test/fixtures/actors.ts',
      '--name',
      name,
      '--lease-ms',
      '1500',
    ],
    process.env,
  );
  assert.equal(twin.code, 2, twin.stderr);
  assert.match(
    twin.stderr,
    new RegExp(`a live worker is already named "${name}" \\(host ${hostname()}, pid ${first.pid}\\)`),
  );
  assert.equal(await first.terminate(), 0);
  await troupe.close();
});

it('a worker restarted under the same name takes its dead predecessor’s partitions back at once', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  // a lease of a minute: waiting for it to expire would time the test out
  const args = ['--name', 'fixed', '--lease-ms', '60000'];
  const before = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', args);
  await waitFor('it to hold every partition', async () => (await owners(troupe)).every((o) => o === 'fixed'));
  const admin = redis.client();
  const keys = new Keys(ns);
  const epochs = await Promise.all([...Array(PARTITIONS).keys()].map((p) => admin.get(keys.epoch(p))));
  // a command it never read: frozen, then killed
  before.proc.kill('SIGSTOP');
  await admin.rpush(keys.control('fixed'), 'shutdown');
  before.proc.kill('SIGKILL');
  await before.exited();

  const after = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', args);
  await troupe.ref(Counter, 'x').tell('add', 1);
  assert.equal(await troupe.ref(Counter, 'x').ask('value'), 1);
  const now = await Promise.all([...Array(PARTITIONS).keys()].map((p) => admin.get(keys.epoch(p))));
  now.forEach((e, p) => assert.ok(Number(e) > Number(epochs[p]), `partition ${p} re-taken with a new epoch`));
  assert.equal(after.logs('worker stopped').length, 0, 'a command sent to its predecessor is not for it');
  admin.disconnect();
  assert.equal(await after.terminate(), 0);
  await troupe.close();
});
