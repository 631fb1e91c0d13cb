/**
 * Troupe on a real Redis Cluster (3 primaries, 3 replicas, started here): one actor type spread
 * over every shard; tells, asks, reads, timers, dead letters and admin as on standalone Redis; and
 * sends between actors of different partitions (relayed through the outbox) exactly once, in
 * order, even when the worker that committed them is killed before it relays them; the Python
 * sender and the HTTP ingress as on a single Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { buildHttpApp } from '../src/http/app.ts';
import { connect, type Troupe } from '../src/index.ts';
import { partitionOf } from '../src/protocol/partition.ts';
import { startPrivateCluster, type PrivateCluster } from '../tools/private-cluster.ts';
import { Counter, Forwarder, Ledger, Reminder, Tape } from './fixtures/actors.ts';
import { Payment as CriticalPayment } from './fixtures/pools/payment-critical.ts';
import { Payment } from './fixtures/pools/payment.ts';
import { runPython } from './helpers/python.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let cluster: PrivateCluster;

before(async () => {
  cluster = await startPrivateCluster({ primaries: 3, replicas: 1 });
});

after(async () => {
  await cluster.stop();
});

const ACTORS = [Counter, Ledger, Tape, Reminder, Forwarder];

async function open(
  t: TestContext,
  redis: string | { cluster: string[] } = { cluster: cluster.seeds },
): Promise<Troupe> {
  const troupe = await connect({
    redis,
    namespace: uniqueNamespace('cluster'),
    actors: ACTORS,
    askTimeoutMs: 10_000,
    // every tell and commit waits for its shard's replica
    waitReplicas: 1,
  });
  t.after(() => troupe.close());
  return troupe;
}

/** Keys of namespace `ns` on each primary, by port. */
async function keysByPrimary(ns: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const port of (await cluster.roles()).primaries) {
    out.set(port, await cluster.node(port).client().keys(`*troupe:${ns}*`));
  }
  return out;
}

describe('on a Redis Cluster', () => {
  it("spreads one actor type's mailboxes over every primary", async (t) => {
    const troupe = await open(t);
    for (let i = 0; i < 200; i++) await troupe.ref(Counter, `c-${i}`).tell('add', 1);
    const byPrimary = await keysByPrimary(troupe.namespace);
    assert.equal(byPrimary.size, 3);
    for (const [port, keys] of byPrimary) {
      const mailboxes = keys.filter((k) => k.includes(':mb:counter/'));
      assert.ok(mailboxes.length > 20, `primary ${port} holds ${mailboxes.length} counter mailboxes`);
    }
  });

  it('runs tells, asks, reads and timers with a worker', async (t) => {
    const troupe = await open(t);
    await troupe.work({ leaseMs: 3_000 });
    const ids = Array.from({ length: 50 }, (_, i) => `c-${i}`);
    await Promise.all(ids.map((id) => troupe.ref(Counter, id).tell('add', 2)));
    for (const id of ids) assert.equal(await troupe.ref(Counter, id).ask('value'), 2);
    assert.deepEqual(await troupe.ref(Counter, 'c-7').read(), { count: 2 });
    await troupe.ref(Reminder, 'r-1').tell('start', 200, 'soon');
    await troupe.ref(Tape, 't-1').tellLater(100, 'push', 9);
    await waitFor('the timer and the delayed tell', async () => {
      const rung = (await troupe.ref(Reminder, 'r-1').read()).rung;
      const items = (await troupe.ref(Tape, 't-1').read()).items;
      return rung.length === 1 && items.length === 1;
    });
  });

  it('finds the cluster from one node URL, and from a comma-separated list of seeds', async (t) => {
    const ns = uniqueNamespace('cluster-url');
    const fromOne = await connect({ redis: cluster.seeds[2], namespace: ns, actors: ACTORS });
    t.after(() => fromOne.close());
    const fromList = await connect({
      redis: cluster.seeds.slice(0, 2).join(','),
      namespace: ns,
      actors: ACTORS,
    });
    t.after(() => fromList.close());
    await fromOne.work({ leaseMs: 3_000 });
    await fromList.ref(Counter, 'a').tell('add', 5);
    assert.equal(await fromOne.ref(Counter, 'a').ask('value'), 5);
    assert.equal(await fromList.ref(Counter, 'a').ask('value'), 5);
  });

  it('dead-letters bad mail per partition, and retries and purges it', async (t) => {
    const troupe = await open(t);
    await troupe.work({ leaseMs: 3_000 });
    for (let i = 0; i < 6; i++) await troupe.ref('counter', `d-${i}`).tell('nope');
    await waitFor('6 dead letters', async () => (await troupe.deadLetters.list()).length === 6);
    const dead = await troupe.deadLetters.list();
    assert.ok(new Set(dead.map((d) => d.partition)).size > 1, 'in several partitions');
    assert.equal((await troupe.deadLetters.show(dead[0]!.id))?.reason, 'unknown-method');
    assert.equal(await troupe.deadLetters.purge({ all: true, actor: 'counter/d-0' }), 1);
    assert.equal(await troupe.deadLetters.retry({ all: true }), 5);
    await waitFor('retried, and dead again', async () => (await troupe.deadLetters.list()).length === 5);
  });

  it('shows the system to admin and `troupe info`, and pauses and resumes a type', async (t) => {
    const troupe = await open(t);
    const worker = await troupe.work({ leaseMs: 3_000 });
    for (let i = 0; i < 20; i++) await troupe.ref(Counter, `i-${i}`).tell('add', 1);
    await troupe.ref('counter', 'bad').tell('nope');
    await waitFor('handled', async () => (await troupe.deadLetters.list()).length === 1);
    const info = await troupe.admin.info();
    assert.equal(info.workers.length, 1);
    assert.equal(info.workers[0]!.name, worker.id);
    assert.equal(info.partitionList.filter((p) => p.owner === worker.id).length, troupe.partitions);
    assert.equal(info.deadLetters.count, 1);
    assert.deepEqual(await troupe.admin.pause('counter'), [worker.id]);
    await troupe.ref(Counter, 'i-0').tell('add', 1);
    await waitFor('held', async () => (await troupe.admin.info()).totals.held === 1);
    assert.deepEqual(await troupe.admin.resume('counter'), [worker.id]);
    assert.equal(await troupe.ref(Counter, 'i-0').ask('value'), 2);
    const cli = await runCli(['-r', cluster.seeds.join(','), '-n', troupe.namespace, 'info', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const shown = JSON.parse(cli.stdout) as { workers: unknown[]; deadLetters: { count: number } };
    assert.equal(shown.workers.length, 1);
    assert.equal(shown.deadLetters.count, 1);
    // every primary holds some of the partitions, and says so
    const { primaries } = await cluster.roles();
    assert.deepEqual(info.shards.map((s) => s.node).sort(), primaries.map((p) => `127.0.0.1:${p}`).sort());
    assert.equal(
      info.shards.reduce((n, s) => n + s.partitions.length, 0),
      troupe.partitions,
    );
    const text = await runCli(['-r', cluster.seeds[0]!, '-n', troupe.namespace, 'info']);
    assert.match(text.stdout, /^SHARDS$/m);
    assert.match(text.stdout, /OUTBOX 0$/m);
  });

  it('moves a type to the pool its class names with `troupe migrate --actors`, across slots', async (t) => {
    const ns = uniqueNamespace('cluster');
    const before = await connect({ redis: { cluster: cluster.seeds }, namespace: ns, actors: [Payment] });
    t.after(() => before.close());
    const ids = Array.from({ length: 12 }, (_, i) => `p-${i}`);
    // a first payment each is committed (a log), a second waits in the mailbox, and one message dead-letters
    const worker = await before.work({ leaseMs: 3_000 });
    for (const [i, id] of ids.entries()) await before.ref(Payment, id).tell('pay', i);
    await before.ref('payment', 'p-0').tell('nope');
    await waitFor('first payments and the dead letter', async () => {
      const paid = await Promise.all(ids.map((id) => before.ref(Payment, id).read()));
      return paid.every((c) => c.paid.length === 1) && (await before.deadLetters.list()).length === 1;
    });
    await worker.stop();
    for (const [i, id] of ids.entries()) await before.ref(Payment, id).tell('pay', 100 + i);

    const moved = await runCli([
      '-r',
      cluster.seeds.join(','),
      '-n',
      ns,
      'migrate',
      '--actors',
      './test/fixtures/pools/payment-critical.ts',
    ]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(
      moved.stdout,
      /moved type payment from pool default to pool critical: 12 actor\(s\), 12 message\(s\) waiting/,
    );
    // nothing of a payment is left in the default pool's partitions, on any primary
    const left: string[] = [];
    for (const keys of (await keysByPrimary(ns)).values()) {
      left.push(...keys.filter((k) => /:(\d+)\}:.*payment\//.test(k) && Number(/:(\d+)\}/.exec(k)![1]) < 64));
    }
    assert.deepEqual(left, []);

    const after = await connect({
      redis: { cluster: cluster.seeds },
      namespace: ns,
      actors: [CriticalPayment],
    });
    t.after(() => after.close());
    await after.work({ leaseMs: 3_000 });
    for (const [i, id] of ids.entries())
      assert.deepEqual(await after.ref(CriticalPayment, id).ask('paid'), [i, 100 + i]);
    const dead = await after.deadLetters.list();
    assert.deepEqual(
      dead.map((d) => [d.actor, d.partition >= 64]),
      [['payment/p-0', true]],
    );
  });

  it('takes tells and asks from the Python sender, given one node or a list of them', async (t) => {
    const troupe = await open(t);
    await troupe.work({ leaseMs: 3_000 });
    const py = (url: string, ...args: string[]) =>
      runPython(['examples/python-sender/troupe_sender.py', url, troupe.namespace, ...args], {
        TROUPE_ASK_TIMEOUT: '20',
      });
    const ids = Array.from({ length: 12 }, (_, i) => `py-${i}`);
    // a dozen actors land on every primary: each tell is sent to the node of its partition
    const partitions = new Set(ids.map((id) => partitionOf('counter', id, troupe.partitions)));
    assert.ok(partitions.size > 6);
    for (const id of ids) {
      const r = await py(cluster.seeds[0]!, 'tell', 'counter', id, 'add', '3');
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Traceback/);
    }
    const asked = await py(cluster.seeds.join(','), 'ask', 'counter', 'py-5', 'value');
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout.trim(), '3');
    for (const id of ids) assert.deepEqual(await troupe.ref(Counter, id).read(), { count: 3 });
    // a mistyped namespace is refused, naming those on the cluster's primaries
    const typo = await runPython([
      'examples/python-sender/troupe_sender.py',
      cluster.seeds[1]!,
      `${troupe.namespace}x`,
      'tell',
      'counter',
      'py-1',
      'add',
      '1',
    ]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, new RegExp(`namespaces here: .*${troupe.namespace}`));
  });

  it('takes tells and asks through the HTTP ingress', async (t) => {
    const troupe = await open(t);
    await troupe.work({ leaseMs: 3_000 });
    const app = buildHttpApp({ troupe, token: false, ping: () => Promise.resolve('PONG'), actors: ACTORS });
    const post = async (path: string, body: unknown) => {
      const res = await app.fetch(
        new Request(`http://troupe.test${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      return { status: res.status, json: (await res.json()) as { ok: boolean; value?: unknown } };
    };
    for (let i = 0; i < 10; i++) assert.equal((await post(`/actors/counter/h-${i}/add`, [4])).status, 202);
    const asked = await post('/actors/counter/h-9/value?ask', []);
    assert.deepEqual([asked.status, asked.json], [200, { ok: true, value: 4 }]);
    for (let i = 0; i < 10; i++) assert.deepEqual(await troupe.ref(Counter, `h-${i}`).read(), { count: 4 });
  });

  it('relays sends between partitions exactly once and in order', async (t) => {
    const troupe = await open(t);
    await troupe.work({ leaseMs: 3_000 });
    const senders = ['f-1', 'f-2', 'f-3', 'f-4'];
    const ledgers = ['l-1', 'l-2'];
    const P = troupe.partitions;
    // the senders and ledgers are spread over partitions: most sends cross slots
    assert.ok(new Set([...senders, ...ledgers].map((id) => partitionOf('x', id, P))).size > 1);
    for (let seq = 1; seq <= 25; seq++) {
      for (const [i, f] of senders.entries())
        await troupe.ref(Forwarder, f).tell('pass', ledgers[i % 2]!, seq);
    }
    await waitFor('every record', async () => {
      let n = 0;
      for (const l of ledgers) n += (await troupe.ref(Ledger, l).read()).count;
      return n === 100;
    });
    for (const l of ledgers) {
      const ledger = await troupe.ref(Ledger, l).read();
      assert.equal(ledger.dupes, 0);
      assert.equal(ledger.gaps, 0, `${l}: each sender's records in order`);
    }
  });

  it('relays what a killed worker committed and did not relay, once', async (t) => {
    const ns = uniqueNamespace('cluster-crash');
    const troupe = await connect({
      redis: { cluster: cluster.seeds },
      namespace: ns,
      actors: ACTORS,
      waitReplicas: 1,
    });
    t.after(() => troupe.close());
    const seeds = cluster.seeds.join(',');
    const admin = cluster.client();
    const senders = Array.from({ length: 20 }, (_, i) => `f-${i}`);
    const ledger = (f: string) => `l-${f}`;
    let sent = 0;
    let caught = false;
    for (let attempt = 1; attempt <= 5 && !caught; attempt++) {
      const first = await spawnWorker(seeds, ns, './test/fixtures/actors.ts', [
        '--lease-ms',
        '2000',
        '--wait-replicas',
        '1',
      ]);
      for (let round = 0; round < 20; round++) {
        sent++;
        await Promise.all(senders.map((f) => troupe.ref(Forwarder, f).tell('pass', ledger(f), sent)));
      }
      // kill it while it works; what it committed and did not relay waits in the outboxes
      first.proc.kill('SIGKILL');
      await first.exited();
      const lens = await Promise.all(
        Array.from({ length: troupe.partitions }, (_, p) => admin.xlen(`{troupe:${ns}:${p}}:outbox`)),
      );
      caught = lens.some((n) => n > 0);
    }
    assert.ok(caught, 'a worker was killed with sends in an outbox');
    const second = await spawnWorker(seeds, ns, './test/fixtures/actors.ts', [
      '--lease-ms',
      '2000',
      '--wait-replicas',
      '1',
    ]);
    try {
      await waitFor(
        'every record',
        async () => {
          for (const f of senders)
            if ((await troupe.ref(Ledger, ledger(f)).read()).count !== sent) return false;
          return true;
        },
        30_000,
      );
      for (const f of senders) {
        const l = await troupe.ref(Ledger, ledger(f)).read();
        assert.deepEqual([l.count, l.dupes, l.gaps], [sent, 0, 0], `${ledger(f)}`);
      }
    } finally {
      await second.terminate();
    }
  });

  // last: it kills a primary of the shared cluster
  it('closes a client and its worker even when a primary died under them', { timeout: 30_000 }, async () => {
    const troupe = await connect({
      redis: { cluster: cluster.seeds },
      namespace: uniqueNamespace('cluster-close'),
      actors: ACTORS,
    });
    await troupe.work({ leaseMs: 2_000 });
    for (let i = 0; i < 50; i++) await troupe.ref(Counter, `k-${i}`).tell('add', 1);
    const { primaries } = await cluster.roles();
    await cluster.node(primaries[0]!).stop('SIGKILL');
    // a cluster client's QUIT waits on every node; the dead one never answers
    await troupe.close();
  });
});
