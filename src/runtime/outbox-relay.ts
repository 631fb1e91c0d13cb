/**
 * On a Redis Cluster a commit stays in its partition's slot, so the sends of its turns to other
 * partitions, and its ask replies, go into the partition's outbox (commit.lua). The owner relays
 * them right after the commit, when it gains the partition (for what a dead owner left), and when
 * a lease renewal finds entries; relay.lua applies each send at most once, in the source's order.
 * An entry is deleted only after every target confirmed it, so a crash in between only repeats it.
 */
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Replicas } from '../redis/replicas.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** Outbox entries read per round. */
const PAGE = 256;

export interface OutboxRelayDeps {
  commands: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  replyTtlMs: number;
  /** Replicas a relayed entry must reach before it leaves the outbox, if any. */
  replicas: Replicas | undefined;
  logger: Logger;
  /** Partition p's outbox was relayed up to its end as read: `left` entries were added since. */
  relayed: (p: number) => void;
}

/** What one page of an outbox holds, grouped by where it goes. */
interface Page {
  /** Per target partition: its mailboxes (KEYS) and entry id, akey, envelope triples (ARGV). */
  sends: Map<number, { mailboxes: string[]; args: (string | Buffer)[] }>;
  replies: [client: string, payload: Buffer][];
  /** The last entry's id. */
  last: string;
}

export class OutboxRelay {
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();

  constructor(private readonly d: OutboxRelayDeps) {}

  /** Relays p's outbox; a call while a relay of p runs makes it go round once more after. */
  relay(p: number): void {
    if (this.running.has(p)) {
      this.again.add(p);
      return;
    }
    const run = this.drain(p)
      .catch((err: unknown) => {
        this.d.logger.warn(
          { err, partition: p },
          'relaying the outbox failed; the next lease renewal tries again',
        );
      })
      .finally(() => {
        this.running.delete(p);
        if (this.again.delete(p)) this.relay(p);
      });
    this.running.set(p, run);
  }

  /** Resolves once no relay runs. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private async drain(p: number): Promise<void> {
    const { commands, scripted, keys, replyTtlMs } = this.d;
    const outbox = keys.outbox(p);
    for (;;) {
      const rows = await commands.xrangeBuffer(outbox, '-', '+', 'COUNT', PAGE);
      if (rows.length === 0) {
        this.d.relayed(p);
        return;
      }
      const page = readPage(keys, rows);
      await Promise.all([
        ...[...page.sends].map(([q, { mailboxes, args }]) =>
          scripted.run('relay', [keys.relayed(q), keys.ready(q), keys.wake(q), ...mailboxes], [p, ...args]),
        ),
        // a reply twice is harmless: the client drops a correlation id it no longer waits for
        ...page.replies.map(([client, payload]) =>
          commands
            .multi()
            .rpush(keys.replies(client), payload)
            .pexpire(keys.replies(client), replyTtlMs)
            .exec(),
        ),
      ]);
      await this.replicated(page);
      const [ms, seq] = page.last.split('-');
      // MINID drops the entries below the id: every entry read, none added since
      await commands.xtrim(outbox, 'MINID', `${ms}-${Number(seq) + 1}`);
      if (rows.length < PAGE) {
        this.d.relayed(p);
        return;
      }
    }
  }

  /** Throws unless every target of the page's entries has them on the replicas asked for. */
  private async replicated(page: Page): Promise<void> {
    const replicas = this.d.replicas;
    if (!replicas) return;
    const targets = [...page.sends.keys()].map((q) => this.d.keys.ready(q));
    if (page.replies.length > 0) targets.push(this.d.keys.replies(page.replies[0]![0]));
    const acked = await Promise.all(targets.map((key) => replicas.wait(key)));
    if (acked.some((n) => n < replicas.count)) {
      throw new Error(
        `relayed entries reached fewer than ${replicas.count} replica(s); they stay in the outbox`,
      );
    }
  }
}

function readPage(keys: Keys, rows: [Buffer, Buffer[]][]): Page {
  const page: Page = { sends: new Map(), replies: [], last: '0-0' };
  for (const [idBuf, flat] of rows) {
    const id = idBuf.toString();
    page.last = id;
    const f = new Map<string, Buffer>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!.toString(), flat[i + 1]!);
    const client = f.get('c');
    const reply = f.get('r');
    if (client && reply) {
      page.replies.push([client.toString(), reply]);
      continue;
    }
    const target = f.get('p');
    const akey = f.get('a')?.toString();
    const envelope = f.get('e');
    if (!target || !akey || !envelope) continue;
    const q = Number(target.toString());
    let to = page.sends.get(q);
    if (!to) page.sends.set(q, (to = { mailboxes: [], args: [] }));
    to.mailboxes.push(keys.mailbox(q, akey));
    to.args.push(id, akey, envelope);
  }
  return page;
}
