/**
 * The faults, on a schedule drawn from a seeded PRNG: SIGKILL a worker (and start a replacement),
 * freeze a worker past its lease (SIGSTOP, then SIGCONT), restart Redis (SIGTERM or SIGKILL, then
 * start it again on the same port and AOF), and inject poison and malformed messages.
 */
import { Packr } from 'msgpackr';
import type { Troupe } from '../src/index.ts';
import { ENVELOPE_VERSION } from '../src/protocol/envelope.ts';
import type { RedisClient } from '../src/redis/client.ts';
import { openRedis } from '../src/redis/connection.ts';
import { readPlacement } from '../src/redis/placement-store.ts';
import { withScripts } from '../src/redis/scripts.ts';
import type { PrivateRedis } from '../tools/private-redis.ts';
import { ledgerOf } from './actors.ts';
import type { ChaosWorker } from './cluster.ts';
import { actorId, settleWithin } from './load.ts';
import type { ClusterFaults } from './shards.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** mulberry32: a small seeded PRNG, so `--seed` replays the same fault schedule. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

export const FAULT_KINDS = [
  'kill-worker',
  'freeze-worker',
  'restart-redis',
  'reshard',
  'kill-primary',
  'poison',
  'malformed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The faults of a run on one redis-server, and of a run on a Redis Cluster (`--cluster`). */
export const STANDALONE_FAULTS: readonly FaultKind[] = [
  'kill-worker',
  'freeze-worker',
  'restart-redis',
  'poison',
  'malformed',
];
export const CLUSTER_FAULTS: readonly FaultKind[] = [
  'kill-worker',
  'freeze-worker',
  'reshard',
  'kill-primary',
  'poison',
  'malformed',
];

export interface Fault {
  kind: FaultKind;
  /** ms since the start of the load */
  atMs: number;
  detail: string;
  /** ms from the fault until every actor applied a message sent after it; null: never. */
  recoverMs: number | null;
  /** per sender and actor: the first seq sent after the fault */
  after: Map<string, number[]>;
}

/** A message injected to fail: it must end in the dead letters, exactly once if confirmed. */
export interface BadMessage {
  marker: string;
  kind: 'poison' | 'malformed';
  variant: string;
  actor: string;
  confirmed: boolean;
}

const packr = new Packr({ useRecords: false });

export interface InjectorDeps {
  /** The Redis of the run: every node of a cluster, comma-separated. */
  url: string;
  /** The one redis-server, which `restart-redis` restarts; absent on a cluster. */
  redis: PrivateRedis | undefined;
  /** A cluster's faults; absent on one redis-server. */
  shards: ClusterFaults | undefined;
  client: Troupe;
  actors: number;
  leaseMs: number;
  workers: () => ChaosWorker[];
  replaceWorker: (w: ChaosWorker) => Promise<ChaosWorker>;
  log: (line: string) => void;
}

export class FaultInjector {
  readonly bad: BadMessage[] = [];
  private raw: RedisClient;
  private n = 0;

  constructor(
    private readonly deps: InjectorDeps,
    private readonly rng: Rng,
  ) {
    this.raw = openRedis(deps.url, { maxRetriesPerRequest: 1 });
    this.raw.on('error', () => undefined); // down while Redis restarts: commands report it
  }

  close(): void {
    this.raw.disconnect();
  }

  /** Runs one fault to its end (a frozen worker is thawed, Redis is back, a replacement is ready). */
  async inject(kind: FaultKind): Promise<string> {
    switch (kind) {
      case 'kill-worker': {
        const victim = this.rng.pick(this.deps.workers().filter((w) => w.alive));
        await victim.kill();
        const next = await this.deps.replaceWorker(victim);
        return `SIGKILL ${victim.name} (pid ${victim.pid}); replacement ${next.name} ready`;
      }
      case 'freeze-worker': {
        const victim = this.rng.pick(this.deps.workers().filter((w) => w.alive));
        const ms = Math.round(this.rng.between(1.5, 3) * this.deps.leaseMs);
        victim.signal('SIGSTOP');
        await sleep(ms);
        victim.signal('SIGCONT');
        return `SIGSTOP ${victim.name} (pid ${victim.pid}) for ${ms} ms (lease ${this.deps.leaseMs} ms), SIGCONT`;
      }
      case 'restart-redis': {
        const redis = this.deps.redis;
        if (!redis) throw new Error('restart-redis needs the one redis-server of a run without --cluster');
        const signal = this.rng.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
        const down = Math.round(this.rng.between(300, 1500));
        await redis.stop(signal);
        await sleep(down);
        await redis.start();
        return `redis-server ${signal}, down ${down} ms, restarted from its AOF`;
      }
      case 'reshard':
        return this.shards().reshard();
      case 'kill-primary':
        return this.shards().killPrimary();
      case 'poison': {
        const count = 1 + this.rng.int(3);
        const sent = await Promise.all(Array.from({ length: count }, () => this.poison()));
        return `${count} poison: ${sent.join(', ')}`;
      }
      case 'malformed': {
        const count = 1 + this.rng.int(3);
        const sent = await Promise.all(Array.from({ length: count }, () => this.malformed()));
        return `${count} malformed: ${sent.join(', ')}`;
      }
    }
  }

  private shards(): ClusterFaults {
    if (!this.deps.shards) throw new Error('cluster faults need a run with --cluster');
    return this.deps.shards;
  }

  private async poison(): Promise<string> {
    const marker = `chaos-poison-${++this.n}`;
    const i = this.rng.int(this.deps.actors);
    const actor = actorId(i);
    let confirmed = true;
    try {
      await settleWithin(this.deps.client.ref(ledgerOf(i), actor).tell('poison', marker), 'poison tell');
    } catch {
      confirmed = false;
    }
    this.bad.push({ marker, kind: 'poison', variant: 'NonRetryableError', actor, confirmed });
    return `${actor}${confirmed ? '' : ' (unconfirmed)'}`;
  }

  /** Raw bytes through the real tell script, as a buggy sender in another language would put them. */
  private async malformed(): Promise<string> {
    const marker = `chaos-bad-${++this.n}`;
    const i = this.rng.int(this.deps.actors);
    const id = actorId(i);
    const type = ledgerOf(i).type;
    const envelope = (patch: [string, unknown][]) => {
      const m = new Map<string, unknown>([
        ['v', ENVELOPE_VERSION],
        ['id', marker],
        ['type', type],
        ['actor', id],
        ['method', 'record'],
        ['args', ['x', 1]],
        ['sentAt', Date.now()],
      ]);
      for (const [k, v] of patch) m.set(k, v);
      return packr.pack(m);
    };
    const variants: [string, () => Buffer][] = [
      ['never MessagePack (0xc1)', () => Buffer.concat([Buffer.from([0xc1]), Buffer.from(marker)])],
      ['not a map', () => packr.pack([marker, 1, 2])],
      ['args not an array', () => envelope([['args', marker]])],
      ['unknown method', () => envelope([['method', 'no-such-method']])],
      ['trailing bytes', () => Buffer.concat([envelope([]), Buffer.from([0x01, 0x02])])],
    ];
    const [variant, bytes] = this.rng.pick(variants);
    const keys = this.deps.client.keys;
    let p: number;
    try {
      p = (await settleWithin(readPlacement(this.raw, keys), 'placement read')).partitionOf(type, id);
    } catch {
      return `${id}: Redis unreachable, nothing sent`;
    }
    const akey = `${type}/${id}`;
    let confirmed = true;
    try {
      const tell = withScripts(this.raw).run(
        'tell',
        [keys.mailbox(p, akey), keys.ready(p), keys.wake(p)],
        [akey, bytes()],
      );
      await settleWithin(tell, 'malformed tell');
    } catch {
      confirmed = false;
    }
    this.bad.push({ marker, kind: 'malformed', variant, actor: `${type}/${id}`, confirmed });
    return `${id} ${variant}${confirmed ? '' : ' (unconfirmed)'}`;
  }
}
