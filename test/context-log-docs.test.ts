import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { connect, type Troupe } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { at, logShape } from './helpers/merging.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { ROOT, runNode } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

// docs/context-log.md shows how another service reads a context with plain ioredis and msgpackr:
// run that code as written, against logs stowed in a log bucket and logs in a list.

let redis: TestRedis;
let dir: string;
let troupe: Troupe;
let ns: string;

before(async () => {
  redis = await startRedis();
  const doc = readFileSync(join(ROOT, 'docs/context-log.md'), 'utf8');
  const from = doc.indexOf('## Reading a context from another service');
  const code = /```ts\n([\s\S]*?)```/.exec(doc.slice(from))?.[1];
  assert.ok(from >= 0 && code, 'docs/context-log.md has the example');
  // a project of its own beside this repository's packages, as the doc describes
  dir = mkdtempSync(join(tmpdir(), 'read-context-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'read-context.ts'), code);
  ns = uniqueNamespace('doc');
  troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter], partitions: 8 });
});

after(async () => {
  await troupe.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function readByTheDoc(): Promise<string> {
  const run = await runNode(
    ['--import', 'tsx', 'read-context.ts'],
    { ...process.env, REDIS_URL: redis.url, TROUPE_NAMESPACE: ns },
    60_000,
    {
      cwd: dir,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

it('reads what ref.read() does, from a stowed log and from one that grew after it was stowed', async () => {
  await troupe.work({ leaseMs: 2_000, idleMs: 100 });
  const c = troupe.ref(Counter, 'c-1');
  const where = at(troupe, 'counter', 'c-1');
  await c.tell('add', 5);
  await waitFor('stowed', async () => (await logShape(redis.client(), troupe, where)).stowed > 0);
  assert.equal(await readByTheDoc(), '{ count: 5 }');
  // the next turn appends to the list after the stowed entries (whether or not it was stowed again)
  await c.ask('add', 2);
  assert.equal(await readByTheDoc(), '{ count: 7 }');
  assert.deepEqual(await c.read(), { count: 7 });
});
