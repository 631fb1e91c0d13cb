import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, HandlerError, serveMetrics, workerMetrics } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { Flaky } from './fixtures/failing-actors.ts';
import { Critical } from './fixtures/pools/critical.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** Every metric docs/metrics.md promises (process metrics aside). */
const NAMES = [
  'troupe_turns_total',
  'troupe_turn_duration_seconds',
  'troupe_turn_wait_seconds',
  'troupe_messages_rejected_total',
  'troupe_activations_total',
  'troupe_activation_duration_seconds',
  'troupe_merges_total',
  'troupe_merged_segments_total',
  'troupe_merge_duration_seconds',
  'troupe_lease_moves_total',
  'troupe_queue_depth',
  'troupe_partitions_held',
  'troupe_turns_in_flight',
  'troupe_active_actors',
  'troupe_busy_seconds_total',
  'troupe_process_cpu_seconds_total',
  'troupe_nodejs_eventloop_lag_seconds',
];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function declared(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

const jsonLines = (w: WorkerProcess): Record<string, unknown>[] =>
  w
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('workerMetrics in process', () => {
  it('labels turns, waits and queue depths with the pool', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace('metrics-pools'),
      actors: [Counter, Critical],
      partitions: 2,
    });
    try {
      const metrics = workerMetrics({ defaultMetrics: false });
      const worker = await troupe.work({
        leaseMs: 2000,
        observer: metrics.observer,
        pools: ['critical', 'default'],
      });
      metrics.track(worker);
      assert.equal(await troupe.ref(Critical, 'c-1').ask('ping'), 1);
      await troupe.ref(Counter, 'n-1').ask('add', 1);
      const s = parse(await metrics.registry.metrics());
      assert.equal(value(s, 'troupe_turns_total', { type: 'critical', pool: 'critical', outcome: 'ok' }), 1);
      assert.equal(value(s, 'troupe_turns_total', { type: 'counter', pool: 'default', outcome: 'ok' }), 1);
      assert.equal(value(s, 'troupe_turn_wait_seconds_count', { pool: 'critical' }), 1);
      const depths = s.filter((x) => x.name === 'troupe_queue_depth');
      assert.equal(
        depths.filter((x) => x.labels.pool === 'default').length,
        2,
        'the default pool has 2 partitions',
      );
      assert.equal(depths.filter((x) => x.labels.pool === 'critical').length, 64, 'a new pool has 64');
    } finally {
      await troupe.close();
    }
  });

  it('counts turns by outcome, rejections, activations and lease moves, and reads gauges on scrape', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace('metrics'),
      actors: [Counter, Flaky],
      partitions: 4,
    });
    const metrics = workerMetrics();
    const worker = await troupe.work({ leaseMs: 2000, observer: metrics.observer });
    metrics.track(worker);
    const scrape = async () => parse(await metrics.registry.metrics());

    const c = troupe.ref(Counter, 'c-1');
    for (let i = 0; i < 5; i++) await c.tell('add', 2);
    assert.equal(await c.ask('value'), 10);
    assert.equal(await troupe.ref(Flaky, 'f-1').ask('flaky', 1, 1), 2, 'second attempt succeeds');
    await assert.rejects(troupe.ref(Flaky, 'f-1').ask('once', 1), HandlerError);
    await assert.rejects(troupe.ref('counter', 'c-2').ask('nope'), HandlerError);

    const s = await scrape();
    const turns = (type: string, method: string, outcome: string) =>
      value(s, 'troupe_turns_total', { type, method, outcome });
    assert.equal(turns('counter', 'add', 'ok'), 5);
    assert.equal(turns('counter', 'value', 'ok'), 1);
    assert.equal(turns('flaky', 'flaky', 'retry'), 1);
    assert.equal(turns('flaky', 'flaky', 'ok'), 1);
    assert.equal(turns('flaky', 'once', 'failed'), 1);
    assert.equal(turns('flaky', 'once', 'retry'), 0);
    assert.equal(
      value(s, 'troupe_messages_rejected_total', { type: 'counter', reason: 'unknown-method' }),
      1,
    );
    assert.equal(value(s, 'troupe_turn_duration_seconds_count', { type: 'counter' }), 6);
    assert.equal(value(s, 'troupe_turn_wait_seconds_count', { type: 'flaky' }), 3);
    assert.ok(s.some((x) => x.name === 'troupe_turn_duration_seconds' && x.labels.quantile === '0.99'));
    assert.ok(value(s, 'troupe_activations_total', { type: 'counter' }) >= 1);
    assert.ok(value(s, 'troupe_activation_duration_seconds_count') >= 2);
    assert.equal(value(s, 'troupe_lease_moves_total', { event: 'acquired' }), 4);
    assert.equal(value(s, 'troupe_partitions_held'), 4);
    assert.equal(s.filter((x) => x.name === 'troupe_queue_depth').length, 4, 'one depth per partition');
    assert.ok(value(s, 'troupe_active_actors') >= 1);
    assert.ok(value(s, 'troupe_busy_seconds_total') > 0);
    for (const x of s) assert.ok(!Object.values(x.labels).some((v) => /^[cf]-\d$/.test(v)), 'no actor ids');

    await worker.stop();
    const stopped = await scrape();
    assert.equal(value(stopped, 'troupe_lease_moves_total', { event: 'released' }), 4);
    assert.equal(value(stopped, 'troupe_partitions_held'), 0);
    await troupe.close();
    // a closed troupe: the scrape still answers, with no queue depths
    assert.equal((await scrape()).filter((x) => x.name === 'troupe_queue_depth').length, 0);
  });

  it('serveMetrics answers GET /metrics with the registry and 404 elsewhere', async () => {
    const metrics = workerMetrics({ prefix: 'shop_' });
    metrics.observer.merged?.(7, 12);
    const server = await serveMetrics(metrics.registry, { port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), metrics.registry.contentType);
      const s = parse(await res.text());
      assert.equal(value(s, 'shop_merges_total'), 1);
      assert.equal(value(s, 'shop_merged_segments_total'), 7);
      assert.equal(value(s, 'shop_merge_duration_seconds_count'), 1);
      assert.ok(s.some((x) => x.name === 'shop_process_cpu_seconds_total'));
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status, 405);
      await assert.rejects(serveMetrics(metrics.registry, { port: server.port }), {
        name: 'ConfigError',
        message: `cannot serve metrics on 127.0.0.1:${server.port}: the port is in use: pick another metrics port (0 picks a free one)`,
      });
    } finally {
      await server.close();
    }
  });
});

describe('troupe worker --metrics-port', () => {
  it('serves /metrics, and the turn counters move when mail is processed', async () => {
    const ns = uniqueNamespace('metrics');
    const client = await connect({
      redis: redis.url,
      namespace: ns,
      actors: [Counter, Flaky],
      partitions: 8,
    });
    const w = await spawnWorker(redis.url, ns, './test/fixtures/actors.ts', [
      '-a',
      './test/fixtures/failing-actors.ts',
      '--lease-ms',
      '2000',
      '--metrics-port',
      '0',
    ]);
    try {
      const served = w.logs('metrics served');
      assert.equal(served.length, 1, w.output());
      const port = served[0]!.port as number;
      assert.ok(Number.isInteger(port) && port > 0, `a port was picked: ${port}`);
      const url = `http://127.0.0.1:${port}/metrics`;
      const scrape = async () => {
        const res = await fetch(url);
        assert.equal(res.status, 200);
        return res.text();
      };

      const first = await scrape();
      const names = declared(first);
      for (const n of NAMES) assert.ok(names.has(n), `${n} is served`);
      const before = parse(first);
      const okAdds = { type: 'counter', method: 'add', outcome: 'ok' };

      const SENT = 25;
      for (let i = 0; i < SENT; i++) await client.ref(Counter, 'x').tell('add', 1);
      assert.equal(await client.ref(Counter, 'x').ask('value'), SENT);
      assert.equal(await client.ref(Flaky, 'f').ask('flaky', 1, 1), 2);
      await assert.rejects(client.ref(Flaky, 'f').ask('once', 1), HandlerError);

      const s = parse(await scrape());
      assert.equal(
        value(s, 'troupe_turns_total', okAdds) - value(before, 'troupe_turns_total', okAdds),
        SENT,
      );
      assert.equal(value(s, 'troupe_turns_total', { type: 'flaky', method: 'flaky', outcome: 'retry' }), 1);
      assert.equal(value(s, 'troupe_turns_total', { type: 'flaky', method: 'flaky', outcome: 'ok' }), 1);
      assert.equal(value(s, 'troupe_turns_total', { type: 'flaky', method: 'once', outcome: 'failed' }), 1);
      assert.ok(value(s, 'troupe_turn_duration_seconds_count', { type: 'counter' }) >= SENT + 1);
      assert.ok(value(s, 'troupe_activations_total', { type: 'counter' }) >= 1);
      assert.equal(value(s, 'troupe_partitions_held'), 8, 'the only worker holds every partition');
      assert.equal(s.filter((x) => x.name === 'troupe_queue_depth').length, 8);
      assert.ok(value(s, 'troupe_lease_moves_total', { event: 'acquired' }) >= 8);
      assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);

      w.proc.kill('SIGTERM');
      assert.equal(await w.exited(), 0, w.output());
      await assert.rejects(fetch(url), 'the metrics server closed with the worker');
    } finally {
      w.proc.kill('SIGKILL');
      await client.close();
    }
  });
});

describe('worker logs', () => {
  it('are JSON lines that all name the worker; a failed handler line names the actor', async () => {
    const ns = uniqueNamespace('logs');
    const client = await connect({ redis: redis.url, namespace: ns, actors: [Flaky], partitions: 4 });
    const w = await spawnWorker(redis.url, ns, './test/fixtures/failing-actors.ts', [
      '--lease-ms',
      '2000',
      '--log-level',
      'debug',
      '--metrics-port',
      '0',
    ]);
    try {
      assert.equal(await client.ref(Flaky, 'f-9').ask('flaky', 3, 1), 2, 'fails once, then succeeds');
      await waitFor('the handler failed line', () => w.logs('handler failed').length > 0);
      w.proc.kill('SIGTERM');
      assert.equal(await w.exited(), 0, w.output());

      const id = w.logs('worker ready')[0]!.worker;
      assert.equal(typeof id, 'string');
      const lines = jsonLines(w);
      for (const msg of [
        'metrics served',
        'worker ready',
        'handler failed',
        'stopping gracefully',
        'worker stopped',
      ])
        assert.ok(
          lines.some((l) => l.msg === msg),
          `a "${msg}" line:\n${w.output()}`,
        );
      for (const line of lines) {
        assert.equal(line.worker, id, `every line names the worker: ${JSON.stringify(line)}`);
        assert.equal(typeof line.level, 'number');
        assert.equal(typeof line.time, 'number');
      }
      // pino writes a binding given twice twice; the worker's own binding must not repeat it
      for (const raw of w
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{')))
        assert.equal(raw.split('"worker":').length, 2, `"worker" once: ${raw}`);

      const failed = w.logs('handler failed');
      assert.equal(failed.length, 1, w.output());
      assert.equal(failed[0]!.actor, 'flaky/f-9');
      assert.equal(failed[0]!.method, 'flaky');
      assert.equal(failed[0]!.level, 40, 'warn');
    } finally {
      w.proc.kill('SIGKILL');
      await client.close();
    }
  });
});
