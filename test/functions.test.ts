import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Packr } from 'msgpackr';
import { connect, partitionOf } from '../src/index.ts';
import { LIBRARY_VERSION } from '../src/redis/functions.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

// what a service in another language does: keys and envelope from docs/protocol.md, one FCALL
const packr = new Packr({ useRecords: false });
const envelope = (type: string, id: string, method: string, args: unknown[], msgId: string) =>
  packr.pack({ v: 1, id: msgId, type, actor: id, method, args, sentAt: Date.now(), sender: 'other-service' });
const tag = (ns: string, p: number) => `{troupe:${ns}:${p}}`;

it('FCALL troupe_tell, troupe_tell_once and troupe_tell_later reach an actor once the worker has loaded them', async (t) => {
  const ns = uniqueNamespace();
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter], partitions: 8 });
  t.after(() => troupe.close());
  await troupe.work({ leaseMs: 2000 });
  const raw = redis.client();
  assert.equal(Number(await raw.call('FCALL_RO', 'troupe_version', '0')), LIBRARY_VERSION);

  const p = partitionOf('counter', 'f-1', 8);
  const tg = tag(ns, p);
  const akey = 'counter/f-1';
  const keys = [`${tg}:mb:${akey}`, `${tg}:ready`, `${tg}:wake`];
  await raw.call('FCALL', 'troupe_tell', '3', ...keys, akey, envelope('counter', 'f-1', 'add', [2], 'm-1'));
  const once = (n: number) => envelope('counter', 'f-1', 'add', [n], 'evt-7');
  const tellOnce = () =>
    raw.call('FCALL', 'troupe_tell_once', '4', ...keys, `${tg}:seen:evt-7`, akey, once(10), '60000');
  const first = await tellOnce();
  const repeat = await tellOnce();
  assert.ok(Number(first) >= 1, 'the first send with the id appends');
  assert.equal(Number(repeat), 0, 'the repeat appends nothing');
  const due = String(Date.now() + 200);
  const later = envelope('counter', 'f-1', 'add', [100], 'm-later');
  await raw.call('FCALL', 'troupe_tell_later', '2', `${tg}:timers`, `${tg}:twake`, akey, later, due);

  const c = troupe.ref(Counter, 'f-1');
  await waitFor('all three delivered', async () => (await c.read()).count === 112);
  assert.equal(await c.ask('value'), 112, 'the deduplicated message counted once');
});

it('troupe setup creates the namespace and installs the functions, and is safe to run again', async () => {
  const ns = uniqueNamespace();
  const raw = redis.client();
  await raw.call('FUNCTION', 'FLUSH');
  const first = await runCli(['-r', redis.url, '-n', ns, 'setup', '--partitions', '16']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    new RegExp(`namespace \\S+: 16 partitions; functions: library troupe v${LIBRARY_VERSION} loaded`),
  );
  assert.equal(await raw.hget(`troupe:${ns}:meta`, 'partitions'), '16');
  const again = await runCli(['-r', redis.url, '-n', ns, 'setup']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stdout,
    new RegExp(`16 partitions; functions: library troupe v${LIBRARY_VERSION} current`),
  );
  const clash = await runCli(['-r', redis.url, '-n', ns, 'setup', '--partitions', '32']);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /created with 16 partitions/);
});
