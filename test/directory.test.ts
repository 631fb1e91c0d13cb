import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildHttpApp } from '../src/http/app.ts';
import { ConfigError, connect, type Troupe, type Worker } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { Order } from './fixtures/orders.ts';
import { parseWhereText as whereOption } from '../src/client/where-text.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

async function system(): Promise<{ troupe: Troupe; worker: Worker; stop: () => Promise<void> }> {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Order, Counter],
    partitions: 4,
  });
  const worker = await troupe.work({ leaseMs: 2000 });
  return { troupe, worker, stop: () => troupe.close() };
}

/** Orders a (late, 50), b (late, 150) and c (paid, 150), committed. */
async function threeOrders(troupe: Troupe): Promise<void> {
  for (const [id, status, total] of [
    ['a', 'late', 50],
    ['b', 'late', 150],
    ['c', 'paid', 150],
  ] as const) {
    await troupe.ref(Order, id).ask('set', { status, total });
  }
}

async function ids(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const id of it) out.push(id);
  return out.sort();
}

describe('the directory', () => {
  it('lists every actor that committed a turn, with or without segments, and counts them', async () => {
    const { troupe, stop } = await system();
    for (let i = 0; i < 30; i++) await troupe.ref(Counter, `c${i}`).tell('add', 1);
    await troupe.ref(Order, 'quiet').ask('touch');
    await troupe.ref(Counter, 'c29').ask('value');
    assert.deepEqual(
      await ids(troupe.actors(Counter).ids()),
      Array.from({ length: 30 }, (_, i) => `c${i}`).sort(),
    );
    assert.equal(await troupe.actors(Counter).count(), 30);
    assert.deepEqual(await ids(troupe.actors(Order).ids()), ['quiet']);
    assert.equal(await troupe.actors('order').count(), 1);
    await stop();
  });

  it('answers equality, ranges and AND over strings, numbers and booleans', async () => {
    const { troupe, stop } = await system();
    const orders = [
      { id: 'o1', status: 'late', total: 50, region: 'eu', vip: true },
      { id: 'o2', status: 'late', total: 150, region: 'us', vip: false },
      { id: 'o3', status: 'paid', total: 150, region: 'eu', vip: false },
      { id: 'o4', status: 'paid', total: -3.5, region: 'eu', vip: true },
      { id: 'o5', status: 'open', total: 499.99, vip: false },
    ];
    for (const { id, ...seg } of orders) await troupe.ref(Order, id).ask('set', seg);
    const o = troupe.actors(Order);
    assert.deepEqual(await ids(o.ids({ where: { status: 'late' } })), ['o1', 'o2']);
    assert.deepEqual(await ids(o.ids({ where: { total: { gte: 100, lt: 500 } } })), ['o2', 'o3', 'o5']);
    assert.deepEqual(await ids(o.ids({ where: { total: { gt: 150 } } })), ['o5']);
    assert.deepEqual(await ids(o.ids({ where: { total: { lte: 50 } } })), ['o1', 'o4']);
    assert.deepEqual(await ids(o.ids({ where: { total: 150 } })), ['o2', 'o3']);
    assert.deepEqual(await ids(o.ids({ where: { status: { gte: 'o', lt: 'p' } } })), ['o5']);
    assert.deepEqual(await ids(o.ids({ where: { vip: true } })), ['o1', 'o4']);
    assert.deepEqual(await ids(o.ids({ where: { status: 'paid', region: 'eu' } })), ['o3', 'o4']);
    assert.deepEqual(await ids(o.ids({ where: { status: 'paid', region: 'eu', vip: false } })), ['o3']);
    assert.equal(await o.count({ where: { region: 'eu' } }), 3);
    assert.equal(await o.count({ where: { status: 'late', total: { gte: 100 } } }), 1);
    assert.equal(await o.count({ where: { status: 'gone' } }), 0);
    await stop();
  });

  it('moves an actor between index entries as its values change, and drops a value set to undefined', async () => {
    const { troupe, stop } = await system();
    const a = troupe.ref(Order, 'a');
    await a.ask('set', { status: 'open', region: 'eu' });
    await a.ask('set', { status: 'paid', region: undefined });
    const o = troupe.actors(Order);
    assert.deepEqual(await ids(o.ids({ where: { status: 'open' } })), []);
    assert.deepEqual(await ids(o.ids({ where: { status: 'paid' } })), ['a']);
    assert.equal(await o.count({ where: { region: 'eu' } }), 0);
    await stop();
  });

  it('destroy deletes the context and every entry at commit; a later message starts afresh', async () => {
    const { troupe, stop } = await system();
    const a = troupe.ref(Order, 'a');
    await a.ask('set', { status: 'late', total: 10 });
    await troupe.ref(Order, 'b').ask('set', { status: 'late' });
    await a.ask('close');
    assert.deepEqual(await a.read(), { total: 0, vip: false });
    const o = troupe.actors(Order);
    assert.deepEqual(await ids(o.ids()), ['b']);
    assert.deepEqual(await ids(o.ids({ where: { status: 'late' } })), ['b']);
    assert.equal(await o.count({ where: { total: 10 } }), 0);
    assert.equal(await o.count(), 1);
    await a.ask('set', { total: 7 });
    assert.deepEqual(await a.read(), { total: 7, vip: false });
    assert.deepEqual(await ids(o.ids()), ['a', 'b']);
    assert.deepEqual(await ids(o.ids({ where: { total: 7 } })), ['a']);
    await a.ask('reopen', { status: 'new' });
    assert.deepEqual(await a.read(), { total: 0, vip: false, status: 'new' });
    assert.deepEqual(await ids(o.ids({ where: { status: 'new' } })), ['a']);
    assert.equal(await o.count({ where: { total: 7 } }), 0);
    assert.equal(await o.count(), 2);
    await stop();
  });

  it('lists an actor at most once per iteration while turns move it ahead of the cursor', async () => {
    const { troupe, stop } = await system();
    // more than a page (500) per partition, so later pages come after the moves
    const n = 3_000;
    await Promise.all(
      Array.from({ length: n }, (_, i) => troupe.ref(Order, `m${i}`).tell('set', { total: i })),
    );
    await Promise.all(Array.from({ length: n }, (_, i) => troupe.ref(Order, `m${i}`).ask('touch')));
    const seen: string[] = [];
    let moved = 0;
    for await (const id of troupe.actors(Order).ids({ where: { total: { gte: 0 } } })) {
      seen.push(id);
      // actors already listed jump past every other value, to where the iteration is headed
      if (seen.length % 100 === 0) {
        const jump = seen.slice(-50);
        await Promise.all(jump.map((a) => troupe.ref(Order, a).ask('set', { total: 1e6 + moved++ })));
      }
    }
    assert.ok(moved > 0);
    assert.equal(new Set(seen).size, seen.length, 'no id twice');
    assert.equal(seen.length, n, 'every actor matched throughout, so each is listed once');
    await stop();
  });

  it('refuses a query on a field that is not an index, naming those that are', async () => {
    const { troupe, stop } = await system();
    await assert.rejects(ids(troupe.actors(Order).ids({ where: { colour: 'red' } as never })), ConfigError);
    await assert.rejects(
      troupe.actors(Order).count({ where: { colour: 'red' } as never }),
      (err: unknown) =>
        err instanceof ConfigError && /no index "colour".*status, total, region, vip/.test(err.message),
    );
    await assert.rejects(
      troupe.actors(Order).count({ where: { total: { gte: 1, lt: 'x' } } as never }),
      (err: unknown) => err instanceof ConfigError && /numbers or all strings/.test(err.message),
    );
    await stop();
  });
});

describe('troupe actors', () => {
  it('lists ids, counts and prints JSON, with --where conditions ANDed', async () => {
    const { troupe, stop } = await system();
    await threeOrders(troupe);
    const cli = (...args: string[]) =>
      runCli(['-r', redis.url, '-n', troupe.namespace, 'actors', 'order', ...args]);
    const all = await cli();
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.trim().split('\n').sort(), ['a', 'b', 'c']);
    const late = await cli('--where', 'status=late', '--where', 'total>=100', '--json');
    assert.equal(late.code, 0, late.stderr);
    assert.deepEqual(JSON.parse(late.stdout), ['b']);
    const count = await cli('-w', 'total>100', '-w', 'total<=150', '--count');
    assert.equal(count.stdout, '2\n');
    const inspect = await runCli([
      '-r',
      redis.url,
      '-n',
      troupe.namespace,
      'inspect',
      'order',
      'b',
      '--json',
    ]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual((JSON.parse(inspect.stdout) as { indexed: unknown }).indexed, {
      status: 'late',
      total: 150,
      vip: false,
    });
    const text = await runCli(['-r', redis.url, '-n', troupe.namespace, 'inspect', 'order', 'nobody']);
    assert.match(text.stdout, /directory\s+not listed/);
    const bad = await cli('--where', 'status');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected field=value/);
    const unknown = await cli('--where', 'colour=red', '-a', 'test/fixtures/orders.ts');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /order has no index "colour"/);
    await stop();
  });
});

describe('--where arguments', () => {
  it('type values as a shell user means them, and merge bounds of one field into a range', () => {
    assert.deepEqual(whereOption('total>=100', whereOption('status=late')), {
      status: 'late',
      total: { gte: 100 },
    });
    assert.deepEqual(whereOption('total<5', { total: { gt: 1 } }), { total: { gt: 1, lt: 5 } });
    assert.deepEqual(whereOption('vip=true'), { vip: true });
    assert.deepEqual(whereOption(`code="123"`), { code: '123' });
    assert.deepEqual(whereOption('code=123'), { code: 123 });
    assert.deepEqual(whereOption('name>=m'), { name: { gte: 'm' } });
    assert.throws(() => whereOption('=x'), /expected field=value/);
    assert.throws(() => whereOption('a=1', { a: 2 }), /given twice/);
    assert.throws(() => whereOption('a>true'), /needs a number or a string/);
  });
});

describe('GET /actors/:type', () => {
  it('lists and counts with the same conditions and auth as the rest of the ingress', async () => {
    const { troupe, stop } = await system();
    await threeOrders(troupe);
    const app = buildHttpApp({ troupe, token: 'tok-123', ping: () => Promise.resolve('PONG') });
    const get = async (path: string, token = 'tok-123') => {
      const res = await app.fetch(
        new Request(`http://x${path}`, { headers: { authorization: `Bearer ${token}` } }),
      );
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const late = await get('/actors/order?where=status%3Dlate&where=total%3E%3D100');
    assert.deepEqual(late, { status: 200, json: { ok: true, ids: ['b'], truncated: false } });
    assert.deepEqual((await get('/actors/order?count&where=total%3D150')).json, { ok: true, count: 2 });
    const page = await get('/actors/order?limit=2');
    assert.equal((page.json.ids as string[]).length, 2);
    assert.equal(page.json.truncated, true);
    assert.equal((await get('/actors/order', 'wrong')).status, 401);
    const bad = await get('/actors/order?where=status');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /expected field=value/);
    assert.equal((await get('/actors/order?limit=0')).status, 400);
    await stop();
  });
});
