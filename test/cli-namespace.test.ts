import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, NamespaceNotFoundError } from '../src/index.ts';
import { listNamespaces } from '../src/redis/namespaces.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace } from './helpers/wait.ts';

let redis: TestRedis;
/** Two namespaces that exist; `typo` is one that does not. */
const shop = uniqueNamespace('shop');
const billing = uniqueNamespace('billing');
const typo = uniqueNamespace('shpo');

before(async () => {
  redis = await startRedis();
  for (const namespace of [shop, billing]) await (await connect({ redis: redis.url, namespace })).close();
});

after(async () => {
  await redis.stop();
});

const cli = (args: string[], input?: string) =>
  runCli(['-r', redis.url, '-n', typo, ...args], process.env, input === undefined ? {} : { input });

/** Every key the mistyped namespace has: none, whatever was tried. */
async function keysOf(namespace: string): Promise<string[]> {
  const [, keys] = await redis.client().scan('0', 'MATCH', `*${namespace}*`, 'COUNT', 100_000);
  return keys;
}

function assertRefused(run: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(run.code, 2, `${what}: ${run.stderr}`);
  assert.equal(run.stdout, '', what);
  const [first, second] = [billing, shop].sort();
  assert.equal(
    run.stderr,
    `troupe: no Troupe namespace "${typo}" on ${redis.url}: namespaces here: ${first}, ${second}. ` +
      `Check -n/--namespace (or TROUPE_NAMESPACE), or create it with "troupe setup -n ${typo}"\n`,
    what,
  );
}

describe('a namespace that does not exist', () => {
  it('is refused by send, naming the namespaces that exist, and nothing is created', async () => {
    assertRefused(await cli(['send', 'counter', 'c-1', 'add', '5']), 'send');
    assert.deepEqual(await keysOf(typo), []);
  });

  it('is refused by send --stdin before any line is sent', async () => {
    const line = JSON.stringify({ type: 'counter', id: 'c-1', method: 'add', args: [5] });
    assertRefused(await cli(['send', '--stdin'], `${line}\n`), 'send --stdin');
    assert.deepEqual(await keysOf(typo), []);
  });

  it('is refused by troupe serve at startup', async () => {
    assertRefused(await cli(['serve', '--no-auth', '--port', '0']), 'serve');
    assert.deepEqual(await keysOf(typo), []);
  });

  it('is refused the same way by every command that works an existing system', async () => {
    const commands = [
      ['ask', 'counter', 'c-1', 'value', '--timeout', '60000'],
      ['info'],
      ['dead-letters', 'list'],
      ['dead-letters', 'purge', '--all'],
      ['inspect', 'counter', 'c-1'],
      ['workers'],
      ['pause', 'counter'],
      ['resume', 'counter'],
      ['shutdown', 'w-1'],
      ['abort', 'counter', 'c-1'],
    ];
    for (const args of commands) assertRefused(await cli(args), args.join(' '));
    assert.deepEqual(await keysOf(typo), []);
  });

  it('is read from TROUPE_NAMESPACE too (and Redis from REDIS_URL)', async () => {
    const run = await runCli(['send', 'counter', 'c-1', 'add', '5'], {
      ...process.env,
      REDIS_URL: redis.url,
      TROUPE_NAMESPACE: typo,
    });
    assertRefused(run, 'TROUPE_NAMESPACE');
  });

  it('says so when the Redis has no namespace at all', async () => {
    const empty = `${redis.url}/3`;
    const run = await runCli(['-r', empty, '-n', typo, 'send', 'counter', 'c-1', 'add', '5']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`^troupe: no Troupe namespace "${typo}" on ${empty}: there are no namespaces here yet\\. `),
    );
  });

  // in database 1, so the namespaces created here are not listed in the other tests' messages
  it('is created by troupe setup, after which send works', async () => {
    const fresh = uniqueNamespace('fresh');
    const setup = await runCli(['-r', `${redis.url}/1`, '-n', fresh, 'setup']);
    assert.equal(setup.code, 0, setup.stderr);
    const sent = await runCli(['-r', `${redis.url}/1`, '-n', fresh, 'send', 'counter', 'c-1', 'add', '5']);
    assert.equal(sent.code, 0, sent.stderr);
  });

  it('is created by a worker: starting a new system is normal', async () => {
    const fresh = uniqueNamespace('new-system');
    const run = await runCli([
      '-r',
      `${redis.url}/1`,
      '-n',
      fresh,
      'worker',
      '-a',
      './test/fixtures/actors.ts',
      '--burst',
      '--log-level',
      'warn',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const db = redis.client();
    await db.select(1);
    assert.equal(await db.hget(`troupe:${fresh}:meta`, 'partitions'), '64');
  });
});

describe('connect({ create: false })', () => {
  it('rejects with a NamespaceNotFoundError that names the namespaces here', async () => {
    await assert.rejects(connect({ redis: redis.url, namespace: typo, create: false }), (err: Error) => {
      assert.ok(err instanceof NamespaceNotFoundError);
      assert.equal(err.namespace, typo);
      assert.ok(err.existing.includes(shop) && err.existing.includes(billing), String(err.existing));
      assert.deepEqual(err.existing, [...err.existing].sort());
      assert.equal(err.complete, true);
      assert.match(
        err.message,
        new RegExp(`^no Troupe namespace "${typo}" on ${redis.url}: namespaces here: `),
      );
      assert.match(err.message, new RegExp(`"troupe setup -n ${typo}"`));
      return true;
    });
    assert.deepEqual(await keysOf(typo), []);
  });

  it('opens a namespace that exists, with its partition count', async () => {
    const troupe = await connect({ redis: redis.url, namespace: shop, create: false });
    assert.equal(troupe.partitions, 64);
    await troupe.close();
  });
});

describe('listNamespaces', () => {
  it('looks at a bounded number of keys and says when it stopped early', async () => {
    const db = redis.client();
    await db.select(5);
    try {
      const filler = db.pipeline();
      for (let i = 0; i < 20_000; i++) filler.set(`filler:${i}`, '1');
      filler.hset('troupe:far:meta', 'partitions', 8);
      await filler.exec();
      const short = await listNamespaces(db, 1000);
      assert.equal(short.complete, false);
      const whole = await listNamespaces(db);
      assert.deepEqual(whole, { names: ['far'], complete: true });
      // keys that only look like a meta key (a worker named "x:meta") are not namespaces
      await db.set('troupe:far:worker:x:meta', '1');
      assert.deepEqual((await listNamespaces(db)).names, ['far']);
    } finally {
      await db.flushdb();
    }
  });
});
