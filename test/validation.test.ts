import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, HandlerError, ValidationError } from '../src/index.ts';
import { Strict } from './fixtures/validated-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('refuses arguments that fail the schema before sending, when the client has the class', async () => {
  const troupe = await connect({ redis: redis.url, namespace: uniqueNamespace(), actors: [Strict] });
  const s = troupe.ref(Strict, 's-1');
  await assert.rejects(s.tell('add', -2), (err: unknown) => {
    return err instanceof ValidationError && /strict\.add: args\.0: .*nothing was sent/.test(err.message);
  });
  assert.equal(await redis.client().dbsize(), 1, 'only the namespace meta key exists: nothing was sent');
  await troupe.close();
});

it('dead-letters arguments that fail the schema in the worker, answers the ask, and applies the next message', async () => {
  const ns = uniqueNamespace();
  const worker = await connect({ redis: redis.url, namespace: ns, actors: [Strict], partitions: 4 });
  await worker.work({ leaseMs: 2000 });
  // a sender without the class cannot check; the worker does
  const sender = await connect({ redis: redis.url, namespace: ns, askTimeoutMs: 20_000 });
  const s = sender.ref('strict', 's-2');
  await assert.rejects(s.ask('add', 'three'), (err: unknown) => {
    return err instanceof HandlerError && /invalid-args/.test(err.message) && /args\.0/.test(err.message);
  });
  await s.tell('add', 1.5);
  await s.tell('add', 4);
  await waitFor('valid add applied', async () => (await worker.ref(Strict, 's-2').read()).total === 4);
  const dead = await worker.deadLetters.list();
  assert.deepEqual(
    dead.map((d) => d.reason),
    ['invalid-args', 'invalid-args'],
  );
  assert.equal(await s.ask('label', '  trimmed  '), 'trimmed', 'handlers get the schema output');
  await sender.close();
  await worker.close();
});

it('refuses messages over maxMessageBytes on the client, and dead-letters them in the worker', async () => {
  const ns = uniqueNamespace();
  const troupe = await connect({
    redis: redis.url,
    namespace: ns,
    actors: [Strict],
    partitions: 4,
    maxMessageBytes: 1000,
  });
  await assert.rejects(
    troupe.ref(Strict, 'big').tell('label', 'x'.repeat(2000)),
    /over maxMessageBytes \(1000\)/,
  );
  // a client with a larger limit sends it; a worker with the small limit dead-letters it unread
  const loose = await connect({ redis: redis.url, namespace: ns, maxMessageBytes: 10_000 });
  await loose.ref('strict', 'big').tell('label', 'x'.repeat(2000));
  await loose.ref('strict', 'big').tell('add', 2);
  await troupe.work({ leaseMs: 2000, maxMessageBytes: 1000 });
  await waitFor('next applied', async () => (await troupe.ref(Strict, 'big').read()).total === 2);
  const [dead] = await troupe.deadLetters.list();
  assert.equal(dead?.reason, 'oversized');
  assert.match(dead.error, /at most 1000/);
  await loose.close();
  await troupe.close();
});
