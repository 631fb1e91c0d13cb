/**
 * A private, throw-away Redis Cluster: `primaries × (1 + replicas)` redis-servers started with
 * tools/private-redis.ts (cluster mode, ports ≤ 55535 so each bus port fits), joined with
 * `redis-cli --cluster create`, and ready once every node reports `cluster_state:ok` and every
 * replica is in sync. For the tests, the chaos run and the bench; about 2–3 s to start here.
 *
 * @example
 * ```ts
 * const cluster = await startPrivateCluster({ primaries: 3, replicas: 1 });
 * console.log(cluster.seeds); // ['redis://127.0.0.1:40123', ...]
 * await cluster.stop();
 * ```
 */
import { spawn } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { findExecutable, startPrivateRedis, type PrivateRedis } from './private-redis.ts';

export interface PrivateClusterOptions {
  /** Primaries (default 3). One primary without replicas is a one-node cluster holding every slot. */
  primaries?: number;
  /** Replicas per primary (default 1). */
  replicas?: number;
  /** `cluster-node-timeout` in ms: how long before a silent primary fails over (default 2000). */
  nodeTimeoutMs?: number;
  /** How long to wait for the cluster to be ready (default 30 000 ms). */
  readyTimeoutMs?: number;
}

export interface PrivateCluster {
  /** Every node, in start order (roles as `roles()` reports them now). */
  nodes: PrivateRedis[];
  /** `redis://127.0.0.1:<port>` of every node: seeds for a cluster client. */
  seeds: string[];
  /** The node of a port. */
  node(port: number): PrivateRedis;
  /** Which nodes are primaries and replicas now (they change on failover). */
  roles(): Promise<{ primaries: number[]; replicas: number[] }>;
  /** Resolves once every node says the cluster is ok and every replica is in sync. */
  ready(timeoutMs?: number): Promise<void>;
  /** A new ioredis Cluster client; disconnected by `stop()`. */
  client(): Cluster;
  /** Stops every node and removes their dirs. */
  stop(): Promise<void>;
}

const NO_CLI = 'cannot find redis-cli on PATH: it comes with redis-server (apt-get install redis-server)';

/** Runs `redis-cli` with `args`: its exit code and its stdout and stderr together. */
export function redisCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = findExecutable('redis-cli');
  if (!cli) return Promise.reject(new Error(NO_CLI));
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

async function nodeState(
  port: number,
): Promise<{ ok: boolean; known: number; role: string; synced: boolean }> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const [info, repl] = await Promise.all([r.cluster('INFO'), r.info('replication')]);
    const role = /^role:(\w+)/m.exec(repl)?.[1] ?? '';
    return {
      ok: /cluster_state:ok/.test(info),
      known: Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0),
      role,
      synced: role !== 'slave' || /master_link_status:up/.test(repl),
    };
  } catch {
    return { ok: false, known: 0, role: '', synced: false };
  } finally {
    r.disconnect();
  }
}

/** Starts a cluster; see the module comment. */
export async function startPrivateCluster(options: PrivateClusterOptions = {}): Promise<PrivateCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicas ?? 1;
  // before starting any node
  if (!findExecutable('redis-cli')) throw new Error(NO_CLI);
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 2_000),
    '--repl-diskless-sync-delay',
    '0',
    // a node learns its own address from the others: alone, it would tell clients an empty host
    ...(primaries === 1 && replicas === 0 ? ['--cluster-announce-ip', '127.0.0.1'] : []),
  ];
  const nodes = await Promise.all(
    Array.from({ length: primaries * (1 + replicas) }, () => startPrivateRedis({ args, clusterNode: true })),
  );
  const clients: Cluster[] = [];
  const stop = async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const cluster: PrivateCluster = {
    nodes,
    seeds: nodes.map((n) => n.url),
    node(port) {
      const found = nodes.find((n) => n.port === port);
      if (!found) throw new Error(`no node on port ${port}`);
      return found;
    },
    async roles() {
      const states = await Promise.all(
        nodes.map(async (n) => ({ port: n.port, ...(await nodeState(n.port)) })),
      );
      return {
        primaries: states.filter((s) => s.role === 'master').map((s) => s.port),
        replicas: states.filter((s) => s.role === 'slave').map((s) => s.port),
      };
    },
    async ready(timeoutMs = options.readyTimeoutMs ?? 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(nodes.map((n) => nodeState(n.port)));
        const up = states.filter((s) => s.role !== '');
        if (up.length > 0 && up.every((s) => s.ok && s.synced && s.known === nodes.length)) return;
        if (Date.now() > deadline) {
          throw new Error(`the cluster was not ready within ${timeoutMs} ms: ${JSON.stringify(states)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    client() {
      const c = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    stop,
  };
  try {
    if (primaries === 1 && replicas === 0) {
      // redis-cli --cluster create wants 3 primaries; one node takes every slot itself
      const node = nodes[0]!;
      const added = await redisCli(['-p', String(node.port), 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
      if (added.code !== 0 || !added.out.includes('OK'))
        throw new Error(`CLUSTER ADDSLOTSRANGE failed: ${added.out}`);
      await cluster.ready();
      return cluster;
    }
    const created = await redisCli([
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    if (created.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.out}`);
    await cluster.ready();
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}
