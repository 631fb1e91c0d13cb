/**
 * Shards: the same load (N messages to 1k actors, README sender, one worker process) on a Redis
 * Cluster of one primary holding every slot and on one of three primaries, no replicas. Both go
 * through the cluster client, so the difference is the spreading alone. On a machine with fewer
 * cores than processes the servers compete with the sender and worker for the CPU, so beside the
 * rate it reports what each shard did: its Redis CPU and commands per 1,000 messages, its share of
 * the cluster's, and the rate its CPU alone would allow with a core of its own (the Redis-bound
 * ceiling: messages ÷ the busiest shard's CPU seconds).
 */
import { startPrivateCluster, type PrivateCluster } from '../../tools/private-cluster.ts';
import type { CpuUse, NodeUse } from '../lib/cpu.ts';
import { cpuRow, type CpuRow } from '../lib/cpu-table.ts';
import type { Measurement, Scenario } from '../lib/scenario.ts';
import { formatCount, summarize } from '../lib/timing.ts';
import { troupeThroughput } from '../procs/troupe.ts';
import { TROUPE } from './systems.ts';

const ACTORS = 1_000;
const SHAPES = [1, 3] as const;

const caseOf = (primaries: number) => `${primaries} ${primaries === 1 ? 'primary' : 'primaries'}`;

interface ShardRun {
  rate: number;
  cpu: CpuUse;
}

/** The busiest shard's CPU seconds bound the rate a core per shard allows. */
function redisBoundRate(nodes: readonly NodeUse[], messages: number): number | undefined {
  const busiest = Math.max(...nodes.map((n) => n.ms ?? NaN));
  return Number.isFinite(busiest) && busiest > 0 ? (messages * 1000) / busiest : undefined;
}

/** Each shard's part of a run; a one-node window has no `nodes`, its totals are the node's. */
function nodesOf(cpu: CpuUse): NodeUse[] {
  if (cpu.nodes) return cpu.nodes;
  const ms = cpu.ms.redis;
  return [{ url: '', commands: cpu.redisCommands ?? 0, ...(ms === undefined ? {} : { ms }) }];
}

function shardRows(kase: string, runs: readonly ShardRun[]): Measurement[] {
  const out: Measurement[] = [];
  const row = (kase2: string, metric: string, better: Measurement['better'], values: number[]) => {
    if (values.length > 0)
      out.push({
        scenario: 'shards',
        case: kase2,
        system: TROUPE,
        metric,
        better,
        summary: summarize(values),
      });
  };
  const nodes = runs[0] ? nodesOf(runs[0].cpu) : [];
  const sum = (xs: readonly NodeUse[], f: (n: NodeUse) => number | undefined) =>
    xs.reduce((s, n) => s + (f(n) ?? 0), 0);
  // shards are numbered by the order of their ports: the same node is the same shard in every run
  for (let i = 0; i < nodes.length; i++) {
    const of = (r: ShardRun) => nodesOf(r.cpu)[i];
    const name = `${kase}, shard ${i + 1}`;
    const valid = runs.filter((r) => of(r)?.ms !== undefined);
    row(
      name,
      'redis CPU ms/1k msgs',
      'lower',
      valid.map((r) => (of(r)!.ms! * 1000) / r.cpu.messages),
    );
    row(
      name,
      'share of redis CPU %',
      'lower',
      valid.map((r) => (100 * of(r)!.ms!) / sum(nodesOf(r.cpu), (n) => n.ms)),
    );
    row(
      name,
      'share of commands %',
      'lower',
      runs.filter(of).map((r) => (100 * of(r)!.commands) / sum(nodesOf(r.cpu), (n) => n.commands)),
    );
  }
  const bound = runs.flatMap((r) => {
    const v = redisBoundRate(nodesOf(r.cpu), r.cpu.messages);
    return v === undefined ? [] : [v];
  });
  row(kase, 'redis-bound msgs/s (a core per shard)', 'higher', bound);
  return out;
}

export const shards: Scenario = {
  name: 'shards',
  title: 'Shards: one actor type on a Redis Cluster of 1 and of 3 primaries, same load',
  async run(ctx) {
    const messages = ctx.quick ? 10_000 : 100_000;
    const runs = new Map<number, ShardRun[]>(SHAPES.map((p) => [p, []]));
    for (let rep = 1; rep <= ctx.runs; rep++) {
      for (const primaries of SHAPES) {
        const bar = ctx.progress(`${caseOf(primaries)}: ${TROUPE} (run ${rep}/${ctx.runs})`, messages);
        let cluster: PrivateCluster | undefined;
        try {
          cluster = await startPrivateCluster({ primaries, replicas: 0 });
          const t = await troupeThroughput({
            // every node is a primary: the meter reads each of them (bench/lib/cpu.ts)
            url: cluster.seeds.join(','),
            namespace: `bench-shards-${rep}-${primaries}`,
            messages,
            actors: ACTORS,
            onProgress: (n) => bar.update(n),
          });
          runs.get(primaries)!.push({ rate: t.rate, cpu: t.cpu });
        } finally {
          bar.stop();
          await cluster?.stop();
        }
      }
    }
    const measurements: Measurement[] = [];
    const cpu: CpuRow[] = [];
    for (const primaries of SHAPES) {
      const rs = runs.get(primaries)!;
      const kase = caseOf(primaries);
      measurements.push({
        scenario: 'shards',
        case: kase,
        system: TROUPE,
        metric: 'msgs/s',
        better: 'higher',
        summary: summarize(rs.map((r) => r.rate)),
        detail: { messages, actors: ACTORS },
      });
      measurements.push(...shardRows(kase, rs));
      cpu.push(
        cpuRow(
          kase,
          TROUPE,
          rs.map((r) => r.cpu),
        ),
      );
    }
    return {
      measurements,
      cpu,
      notes: [
        `${formatCount(messages)} messages per run to ${formatCount(ACTORS)} actors, the README's sender, one worker process; a fresh cluster of redis-servers without replicas per run, through the cluster client in both cases (one primary holds all 16,384 slots).`,
        'Redis CPU per shard: utime + stime of each primary from /proc; commands from each one’s INFO commandstats. "redis-bound msgs/s": messages ÷ the busiest shard’s CPU seconds — the rate the shards alone would allow with a core each, where on this machine they share its cores with the sender and the worker.',
      ],
    };
  },
};
