/**
 * A chaos run on a Redis Cluster (`--cluster`): 3 primaries with a replica each, and the faults a
 * cluster adds under load: a reshard of slots between two primaries (`redis-cli --cluster
 * reshard`, which must exit 0) and the SIGKILL of a primary, its failover to its replica, and its
 * restart (it comes back as a replica). `check` is `redis-cli --cluster check` afterwards.
 */
import { Redis } from 'ioredis';
import { redisCli, startPrivateCluster, type PrivateCluster } from '../tools/private-cluster.ts';
import { sleep, type Rng } from './faults.ts';

/** Slots one reshard moves. */
const RESHARD_SLOTS = 1_000;

export function startChaosCluster(): Promise<PrivateCluster> {
  return startPrivateCluster({ primaries: 3, replicas: 1, nodeTimeoutMs: 2_000 });
}

async function nodeId(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  try {
    return String(await r.cluster('MYID'));
  } finally {
    r.disconnect();
  }
}

/** The last lines of a command's output, for a failure's message. */
function tail(out: string, lines = 8): string {
  return out.trimEnd().split('\n').slice(-lines).join('\n');
}

export class ClusterFaults {
  constructor(
    private readonly cluster: PrivateCluster,
    private readonly rng: Rng,
  ) {}

  /** Moves RESHARD_SLOTS slots from one primary to another with redis-cli; throws unless it exits 0. */
  async reshard(): Promise<string> {
    const { primaries } = await this.cluster.roles();
    const [from, to] = this.rng.shuffle(primaries);
    const started = Date.now();
    const run = await redisCli([
      '--cluster',
      'reshard',
      `127.0.0.1:${from!}`,
      '--cluster-from',
      await nodeId(from!),
      '--cluster-to',
      await nodeId(to!),
      '--cluster-slots',
      String(RESHARD_SLOTS),
      '--cluster-yes',
    ]);
    if (run.code !== 0) throw new Error(`redis-cli --cluster reshard exited ${run.code}:\n${tail(run.out)}`);
    return `${RESHARD_SLOTS} slots from :${from!} to :${to!} in ${Date.now() - started} ms (redis-cli exit 0)`;
  }

  /**
   * SIGKILLs a primary, waits until its replica took over and the cluster is ok, then restarts the
   * old primary and waits until it is in sync as a replica.
   */
  async killPrimary(): Promise<string> {
    const { primaries } = await this.cluster.roles();
    const port = this.rng.pick(primaries);
    const node = this.cluster.node(port);
    const started = Date.now();
    await node.stop('SIGKILL');
    await this.until(async () => {
      const now = await this.cluster.roles();
      return now.primaries.length === primaries.length && !now.primaries.includes(port);
    }, `a replica of :${port} promoted`);
    const promotedMs = Date.now() - started;
    await node.start();
    await this.cluster.ready(60_000);
    return `SIGKILL primary :${port}; replica promoted after ${promotedMs} ms; old primary back as a replica after ${Date.now() - started} ms`;
  }

  /** `redis-cli --cluster check`: its exit code and the last lines of its output. */
  async check(): Promise<{ ok: boolean; out: string }> {
    const { primaries } = await this.cluster.roles();
    const run = await redisCli(['--cluster', 'check', `127.0.0.1:${primaries[0]!}`]);
    return { ok: run.code === 0, out: tail(run.out, 4) };
  }

  private async until(done: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }
}
