/**
 * An ask to an actor type an operator paused cannot be answered until the type is resumed: its
 * timeout says the type is paused and names `troupe resume`, instead of blaming the workers — from
 * the client, the CLI and the HTTP ingress.
 */
import assert from 'node:assert/strict';
import { after, before, it, type TestContext } from 'node:test';
import { buildHttpApp } from '../src/http/app.ts';
import { TimeoutError, type Troupe } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { systemForTest } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** A namespace with a worker running Counter, closed when the test ends, pass or fail. */
async function system(t: TestContext): Promise<{ ns: string; troupe: Troupe }> {
  const sys = await systemForTest(t, redis.url, [Counter], 4);
  await sys.troupe.work({ leaseMs: 2000 });
  return sys;
}

it('an ask to a paused type times out saying the type is paused and how to resume it', async (t) => {
  const { troupe } = await system(t);
  await troupe.admin.pause('counter');
  const c = troupe.ref(Counter, 'c-1', { askTimeoutMs: 300 });
  await c.tell('add', 2);
  await assert.rejects(c.ask('value'), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.pausedType, 'counter');
    assert.match(
      err.message,
      /^ask value to counter\/c-1 got no reply within 300 ms: actor type "counter" is paused/,
    );
    assert.match(err.message, /troupe resume counter/);
    assert.doesNotMatch(err.message, /is a worker running/);
    return true;
  });
  await troupe.admin.resume('counter');
  assert.equal(await troupe.ref(Counter, 'c-1').ask('value'), 2, 'the held messages run once resumed');
});

it('an ask to a type that is not paused still points at the workers', async (t) => {
  const { troupe } = await systemForTest(t, redis.url, [Counter], 4); // no worker
  await assert.rejects(troupe.ref(Counter, 'c-2', { askTimeoutMs: 200 }).ask('value'), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.pausedType, undefined);
    assert.match(err.message, /is a worker running/);
    return true;
  });
});

it('troupe ask says the type is paused, and the command it names resumes it', async (t) => {
  const { ns, troupe } = await system(t);
  await troupe.admin.pause('counter');
  const asked = await runCli(['-r', redis.url, '-n', ns, 'ask', 'counter', 'c-3', 'add', '4', '-t', '300']);
  assert.equal(asked.code, 2, asked.stderr);
  assert.match(asked.stderr, /no reply from counter\/c-3 add within 300 ms: actor type "counter" is paused/);
  const command = /Resume it with: (troupe resume counter -n \S+)\./.exec(asked.stderr)?.[1];
  assert.ok(command, asked.stderr);
  const resumed = await runCli(['-r', redis.url, ...command.split(' ').slice(1)]);
  assert.equal(resumed.code, 0, resumed.stderr);
  await waitFor('the held add ran', async () => (await troupe.ref(Counter, 'c-3').read()).count === 4);
});

it('the HTTP ingress answers 504 saying the type is paused', async (t) => {
  const { ns, troupe } = await system(t);
  await troupe.admin.pause('counter');
  const app = buildHttpApp({ troupe, token: false, ping: () => Promise.resolve() });
  const res = await app.fetch(
    new Request('http://ingress/actors/counter/h-1/value?ask&timeoutMs=300', { method: 'POST' }),
  );
  assert.equal(res.status, 504);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'ask-timeout');
  assert.match(body.error.message, /actor type "counter" is paused in namespace /);
  assert.ok(body.error.message.includes(`troupe resume counter -n ${ns}`), body.error.message);
});
