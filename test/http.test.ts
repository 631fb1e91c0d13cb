import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { buildHttpApp } from '../src/http/app.ts';
import type { HttpServer } from '../src/http/server.ts';
import { connect, type Troupe } from '../src/index.ts';
import { actorKey, partitionOf } from '../src/protocol/partition.ts';
import { Counter } from './fixtures/actors.ts';
import { Strict } from './fixtures/validated-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { ROOT, runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const TOKEN = 'test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let redis: TestRedis;
let health: Redis;
let troupe: Troupe;
let server: HttpServer;

/** The mailbox key of counter/<id>. */
function mailboxOf(id: string): string {
  return troupe.keys.mailbox(partitionOf('counter', id, troupe.partitions), actorKey('counter', id));
}
let base: string;

/** A reply body: `error` is there when `ok` is false. */
interface Reply {
  ok: boolean;
  value?: unknown;
  error: { code: string; message: string; name?: string };
}

/** POSTs `body` (a string as is, anything else as JSON) and returns the status and the JSON reply. */
async function post(
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
  to = base,
): Promise<{ status: number; json: Reply }> {
  const res = await fetch(`${to}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Reply };
}

before(async () => {
  redis = await startRedis();
  health = redis.client();
  troupe = await connect({ redis: redis.url, namespace: uniqueNamespace('http'), actors: [Counter, Strict] });
  await troupe.work({ leaseMs: 2000 });
  const app = buildHttpApp({
    troupe,
    token: TOKEN,
    ping: () => health.ping(),
    actors: [Counter, Strict],
    maxBodyBytes: 1024,
  });
  server = await app.listen({ port: 0 });
  base = server.url;
});

after(async () => {
  await server.close();
  await troupe.close();
  await redis.stop();
});

describe('HTTP ingress: tell and ask', () => {
  it('tells with 202 once stored, and the worker applies it', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await post('/actors/counter/h-1/add', [5]);
      assert.equal(res.status, 202, JSON.stringify(res.json));
      assert.deepEqual(res.json, { ok: true });
    }
    const ref = troupe.ref(Counter, 'h-1');
    await waitFor('both adds applied', async () => (await ref.read()).count === 10);
  });

  it('decodes a percent-encoded id and takes {"args": [...]} too', async () => {
    assert.equal((await post('/actors/counter/order%2F7/add', { args: [3] })).status, 202);
    const ref = troupe.ref(Counter, 'order/7');
    await waitFor('add applied', async () => (await ref.read()).count === 3);
  });

  it('asks with ?ask and answers 200 with the value', async () => {
    assert.equal((await post('/actors/counter/h-2/add', [4])).status, 202);
    const res = await post('/actors/counter/h-2/value?ask', []);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { ok: true, value: 4 });
    // an empty body is no arguments; ?ask=1 works as well
    const again = await post('/actors/counter/h-2/slowAdd?ask=1&timeoutMs=5000', [1, 10]);
    assert.deepEqual(again.json, { ok: true, value: 5 });
    assert.deepEqual((await post('/actors/counter/h-2/value?ask=true')).json, { ok: true, value: 5 });
  });

  it('gives a message a time to live with ?ttlMs: one not started in time is expired, its ask answered 502', async () => {
    assert.equal((await post('/actors/counter/h-ttl/add?ttlMs=0', [1])).json.error.code, 'bad-query');
    await troupe.admin.pause('counter');
    let asked: Promise<{ status: number; json: Reply }>;
    try {
      assert.equal((await post('/actors/counter/h-ttl/add?ttlMs=1', [1])).status, 202);
      assert.equal((await post('/actors/counter/h-ttl/add?ttlMs=60000', [2])).status, 202);
      asked = post('/actors/counter/h-ttl/value?ask&ttlMs=1&timeoutMs=60000', []);
      await waitFor('the ask is stored', async () => (await health.llen(mailboxOf('h-ttl'))) === 3);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await troupe.admin.resume('counter');
    }
    const res = await asked;
    assert.equal(res.status, 502, JSON.stringify(res.json));
    assert.match(res.json.error.message, /expired: not started within its time to live of 1 ms/);
    await waitFor(
      'the long-lived add applied',
      async () => (await troupe.ref(Counter, 'h-ttl').read()).count === 2,
    );
    const dead = await troupe.deadLetters.list({ actor: 'counter/h-ttl', reason: 'expired' });
    assert.deepEqual(dead.map((d) => d.envelope?.method).sort(), ['add', 'value']);
  });

  it('answers 502 with the name and message of a handler that throws', async () => {
    const res = await post('/actors/counter/h-3/fail?ask', ['boom']);
    assert.equal(res.status, 502);
    assert.deepEqual(res.json, {
      ok: false,
      error: { code: 'handler-error', name: 'Error', message: 'boom' },
    });
  });

  it('answers GET /healthz with 200 while Redis answers, without a token', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  });
});

describe('HTTP ingress: refusals', () => {
  it('answers 401 without a token and with a wrong one', async () => {
    const tries: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }];
    for (const headers of tries) {
      const res = await post('/actors/counter/h-4/add', [1], headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.json.ok, false);
      assert.equal(res.json.error.code, 'unauthorized');
      assert.match(res.json.error.message, /TROUPE_HTTP_TOKEN/);
    }
    const ref = troupe.ref(Counter, 'h-4');
    assert.deepEqual(await ref.read(), { count: 0 }, 'nothing was sent');
  });

  it('answers 413 to a body over --max-body-bytes', async () => {
    const res = await post('/actors/counter/h-5/add', [`"${'x'.repeat(2000)}"`]);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'body-too-large');
    assert.match(res.json.error.message, /over 1024 bytes \(--max-body-bytes\)/);
  });

  it('answers 400 to bad JSON and to args that are not an array, showing the right form', async () => {
    const bad = await post('/actors/counter/h-6/add', '[5,');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'bad-json');
    assert.match(bad.json.error.message, /not valid JSON .*JSON array, e\.g\. \[5\]/);
    const notArray = await post('/actors/counter/h-6/add', '5');
    assert.equal(notArray.status, 400);
    assert.equal(notArray.json.error.code, 'bad-args');
    assert.match(notArray.json.error.message, /must be a JSON array/);
  });

  it('answers 400 to an unknown method, listing the known ones', async () => {
    const res = await post('/actors/counter/h-7/nope', []);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'unknown-method');
    assert.match(
      res.json.error.message,
      /counter has no handler "nope": known methods are add, fail, .*value/,
    );
    const type = await post('/actors/nobody/h-7/add', []);
    assert.equal(type.json.error.code, 'unknown-type');
    assert.match(type.json.error.message, /knows counter, strict/);
  });

  it('answers 400 to args that fail the handler schema and to a bad name', async () => {
    const res = await post('/actors/strict/s-1/add', [-1]);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid-args');
    assert.match(res.json.error.message, /^strict\.add: args\.0: .*nothing was sent/);
    const name = await post('/actors/counter/h-8/a%20b', []);
    assert.equal(name.status, 400);
    assert.equal(name.json.error.code, 'bad-name');
    assert.match(name.json.error.message, /method "a b" is not allowed/);
  });

  it('answers 400 to a malformed percent-escape and to an empty id, instead of guessing', async () => {
    const escape = await post('/actors/counter/a%zz/add', [1]);
    assert.equal(escape.status, 400);
    assert.equal(escape.json.error.code, 'bad-url');
    assert.match(escape.json.error.message, /percent-encode the type, id and method/);
    const empty = await post('/actors/counter//add', [1]);
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.code, 'bad-name');
    assert.match(empty.json.error.message, /actor id must be a non-empty string/);
  });

  it('answers 404 in JSON to other routes', async () => {
    const res = await fetch(`${base}/actors/counter/c-1`, { headers: AUTH });
    assert.equal(res.status, 404);
    const json = (await res.json()) as { error: { message: string } };
    assert.match(json.error.message, /POST \/actors\/<type>\/<id>\/<method>/);
  });
});

describe('HTTP ingress without actor classes or auth', () => {
  it('passes unknown methods on to the worker and answers 504 when no reply comes', async () => {
    const idle = await connect({ redis: redis.url, namespace: uniqueNamespace('http-idle') });
    const open = await buildHttpApp({ troupe: idle, token: false, ping: () => health.ping() }).listen({
      port: 0,
    });
    try {
      const to = open.url;
      assert.equal((await post('/actors/counter/x/whatever', [], {}, to)).status, 202);
      const res = await post('/actors/counter/x/value?ask&timeoutMs=200', [], {}, to);
      assert.equal(res.status, 504);
      assert.equal(res.json.error.code, 'ask-timeout');
      assert.match(res.json.error.message, /no reply .* within 200 ms.*troupe worker -n http-idle/);
    } finally {
      await open.close();
      await idle.close();
    }
  });

  it('answers GET /healthz with 503 when Redis does not', async () => {
    const down = buildHttpApp({
      troupe,
      token: TOKEN,
      ping: () => Promise.reject(new Error('ECONNREFUSED')),
    });
    const res = await down.fetch(new Request('http://troupe.test/healthz'));
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as Reply).error.code, 'redis-unavailable');
  });

  it('answers the requests in flight before close() resolves, and then takes no more', async () => {
    const ns = uniqueNamespace('http-stop');
    const client = await connect({ redis: redis.url, namespace: ns, actors: [Counter] });
    const stopping = await buildHttpApp({ troupe: client, token: false, ping: () => health.ping() }).listen({
      port: 0,
    });
    try {
      // No worker yet: the ask waits for its reply while the server closes.
      const asking = post('/actors/counter/g-1/value?ask&timeoutMs=60000', [], {}, stopping.url);
      await waitFor(
        'the ask is stored',
        async () => (await health.keys(`*${ns}*:mb:counter/g-1`)).length > 0,
      );
      const closed = stopping.close();
      await client.work({ leaseMs: 2000 });
      const res = await asking;
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json, { ok: true, value: 0 });
      await closed;
      await assert.rejects(fetch(`${stopping.url}/healthz`), 'no longer listening');
    } finally {
      await stopping.close();
      await client.close();
    }
  });
});

describe('troupe serve', () => {
  it('refuses to start without a token unless --no-auth is given', async () => {
    const env = { ...process.env };
    delete env.TROUPE_HTTP_TOKEN;
    const run = await runCli(['-r', redis.url, 'serve', '--port', '0'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^troupe: troupe serve needs a bearer token: pass --token/);
    assert.match(run.stderr, /TROUPE_HTTP_TOKEN.*--no-auth/s);
  });

  it('on a busy port, exits 2 with one line naming --port, not a stack', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const run = await runCli([
        '-r',
        redis.url,
        '-n',
        troupe.namespace,
        'serve',
        '--port',
        String(port),
        '--token',
        TOKEN,
      ]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(
        run.stderr,
        `troupe: cannot serve HTTP on 127.0.0.1:${port}: the port is in use: pick another port with --port ` +
          '(0 picks a free one)\n',
      );
    } finally {
      busy.close();
    }
  });

  it('serves over HTTP with the token from TROUPE_HTTP_TOKEN and stops on SIGTERM', async () => {
    const proc = spawn(
      process.execPath,
      [
        'bin/troupe.mjs',
        '-r',
        redis.url,
        '-n',
        troupe.namespace,
        'serve',
        '--port',
        '0',
        '-a',
        './test/fixtures/actors.ts',
      ],
      { cwd: ROOT, env: { ...process.env, TROUPE_HTTP_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    process.once('exit', () => proc.kill('SIGKILL'));
    let log = '';
    proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    let address = '';
    await waitFor('http ingress ready', () => {
      if (proc.exitCode !== null) throw new Error(`serve exited early (${proc.exitCode}):\n${log}`);
      const line = log.split('\n').find((l) => l.includes('"http ingress ready"'));
      if (line) address = (JSON.parse(line) as { address: string }).address;
      return address !== '';
    });
    assert.equal((await post('/actors/counter/cli-1/add', [2], AUTH, address)).status, 202);
    assert.deepEqual((await post('/actors/counter/cli-1/value?ask', [], AUTH, address)).json, {
      ok: true,
      value: 2,
    });
    assert.equal((await post('/actors/counter/cli-1/add', [2], {}, address)).status, 401);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, log);
  });
});
