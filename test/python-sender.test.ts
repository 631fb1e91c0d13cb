import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Troupe, type Worker } from '../src/index.ts';
import { logBucketOf, partitionOf } from '../src/protocol/partition.ts';
import { Counter } from './fixtures/actors.ts';
import { Critical } from './fixtures/pools/critical.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runPython as runPythonWith } from './helpers/python.ts';
import type { Run } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const SENDER = 'examples/python-sender/troupe_sender.py';

/** Runs Debian's python with a short ask timeout for the sender. */
function runPython(args: string[]): Promise<Run> {
  return runPythonWith(args, { TROUPE_ASK_TIMEOUT: '20' });
}

function show(r: Run): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('python sender (examples/python-sender)', () => {
  let troupe: Troupe;
  let worker: Worker;
  let ns: string;
  /** `troupe_sender.py <url> <ns> <verb> counter <id> <method> [args]` */
  const sender = (verb: 'tell' | 'ask', id: string, method: string, ...args: string[]) =>
    runPython([SENDER, redis.url, ns, verb, 'counter', id, method, ...args]);

  before(async () => {
    ns = uniqueNamespace('py');
    // 8 partitions, not the default 64: the sender must read P from the namespace's meta key
    troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter], partitions: 8 });
    worker = await troupe.work({ leaseMs: 2000 });
  });
  after(async () => {
    await worker?.stop();
    await troupe?.close();
  });

  it('tells add 5 twice, then asks value: 10, and the context in Node is { count: 10 }', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await sender('tell', 'c-1', 'add', '5');
      assert.equal(r.code, 0, show(r));
    }
    const r = await sender('ask', 'c-1', 'value');
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout.trim(), '10', show(r));
    assert.deepEqual(await troupe.ref(Counter, 'c-1').read(), { count: 10 });
  });

  it('routes a non-ASCII id to the partition Node computes (crc32 of the UTF-8 bytes)', async () => {
    const id = 'ü-用户-🙂';
    const r = await sender('tell', id, 'add', '3');
    assert.equal(r.code, 0, show(r));
    const p = partitionOf('counter', id, troupe.partitions);
    // a new actor's log is born in its partition's log bucket
    const bucket = `{troupe:${ns}:${p}}:logs:${logBucketOf(`counter/${id}`, troupe.partitions)}`;
    await waitFor(
      'the turn committed in the partition Node computes',
      async () => (await redis.client().hexists(bucket, `counter/${id}`)) === 1,
    );
    assert.deepEqual(await troupe.ref(Counter, id).read(), { count: 3 });
    const py = await runPython([
      '-c',
      'import sys; sys.path.insert(0, "examples/python-sender"); from troupe_sender import partition_of; ' +
        'print(" ".join(str(partition_of(*a)) for a in [("counter", "c-1", 64), ("cart", "用户-42", 1024), ("counter", "🙂", 16)]))',
    ]);
    assert.equal(py.code, 0, show(py));
    assert.equal(
      py.stdout.trim(),
      [
        partitionOf('counter', 'c-1', 64),
        partitionOf('cart', '用户-42', 1024),
        partitionOf('counter', '🙂', 16),
      ].join(' '),
    );
  });

  it('an ask to an unknown method comes back as an error: dead-lettered, answered with the reason', async () => {
    const r = await sender('ask', 'c-1', 'reset');
    assert.equal(r.code, 2, show(r));
    assert.equal(r.stdout, '', show(r));
    assert.match(r.stderr, /RemoteError: DeadLetter: unknown-method: .*no handler "reset"/, show(r));
    const dead = await troupe.deadLetters.list();
    assert.ok(
      dead.some((d) => d.reason === 'unknown-method' && d.actor === 'counter/c-1'),
      JSON.stringify(dead),
    );
    assert.deepEqual(await troupe.ref(Counter, 'c-1').read(), { count: 10 });
  });

  it('an ask whose handler throws raises RemoteError with the remote name and message', async () => {
    const r = await sender('ask', 'f-1', 'fail', '"boom"');
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /RemoteError: Error: boom/, show(r));
    assert.deepEqual(await troupe.ref(Counter, 'f-1').read(), { count: 0 });
  });

  it('a tell with TROUPE_TTL_MS that is not started in time is dead-lettered as expired, never applied', async () => {
    // paused, the type's mail waits: the ttl'd message is surely older than 1 ms when it would start
    await troupe.admin.pause('counter');
    try {
      const r = await runPythonWith([SENDER, redis.url, ns, 'tell', 'counter', 'ttl-1', 'add', '4'], {
        TROUPE_TTL_MS: '1',
      });
      assert.equal(r.code, 0, show(r));
      const plain = await sender('tell', 'ttl-1', 'add', '5');
      assert.equal(plain.code, 0, show(plain));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await troupe.admin.resume('counter');
    }
    await waitFor('the message without a ttl applied', async () => {
      return (await troupe.ref(Counter, 'ttl-1').read()).count === 5;
    });
    const dead = await troupe.deadLetters.list({ actor: 'counter/ttl-1' });
    assert.deepEqual(
      dead.map((d) => [d.reason, d.envelope?.ttl, d.envelope?.args]),
      [['expired', 1, [4]]],
    );
  });

  it('a namespace that does not exist is an error naming the ones that do; nothing is written', async () => {
    const typo = `${ns}-typo`;
    const r = await runPython([SENDER, redis.url, typo, 'tell', 'counter', 'c-1', 'add', '5']);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, new RegExp(`no Troupe namespace '${typo}'.*namespaces here: .*${ns}`), show(r));
    assert.match(r.stderr, new RegExp(`troupe setup -n ${typo}`), show(r));
    const admin = redis.client();
    const written = await admin.keys(`*${typo}*`);
    admin.disconnect();
    assert.deepEqual(written, []);
  });
});

describe('python sender without python3-redis and python3-msgpack', () => {
  // -S skips the site module, which is what puts Debian's dist-packages on the path
  it('exits 2, as for any other error, naming the packages to install', async () => {
    const r = await runPython(['-S', SENDER, redis.url, 'ns', 'tell', 'counter', 'c-1', 'add', '5']);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /^troupe_sender: .*apt-get install python3-redis python3-msgpack/, show(r));
  });

  it('raises ImportError with the same advice when a service imports it', async () => {
    const r = await runPython([
      '-S',
      '-c',
      "import sys; sys.path.insert(0, 'examples/python-sender'); import troupe_sender",
    ]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /ImportError: troupe_sender: .*apt-get install python3-redis/, show(r));
  });
});

describe('python sender and pools', () => {
  it('sends to a type in a pool of its own, in that pool’s partitions', async () => {
    const ns = uniqueNamespace('py-pool');
    const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Critical], partitions: 8 });
    const seen: number[] = [];
    const worker = await troupe.work({ leaseMs: 2000 });
    worker.on('committed', (p) => seen.push(p));
    try {
      const r = await runPython([SENDER, redis.url, ns, 'ask', 'critical', 'c-1', 'ping']);
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stdout.trim(), '1', show(r));
      // the default pool has partitions 0..7; critical's come after them
      assert.ok(seen.length > 0 && seen.every((p) => p >= 8), `committed in partitions ${seen.join(', ')}`);
    } finally {
      await worker.stop();
      await troupe.close();
    }
  });
});
