import type { RedisClient } from '../redis/client.ts';
import { HandlerError, TimeoutError } from '../errors.ts';
import { decodeReply } from '../protocol/reply.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Waits for ask replies on this client's reply list, on a connection of its own. It only blocks
 * while some ask is outstanding, so an idle client sends Redis nothing.
 */
export class ReplyListener {
  private readonly pending = new Map<string, Pending>();
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly open: () => RedisClient,
    private readonly replyKey: string,
  ) {}

  private conn: RedisClient | undefined;

  expect(corr: string, timeoutMs: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(corr);
        reject(
          new TimeoutError(
            `${what} got no reply within ${timeoutMs} ms: is a worker running (npx troupe worker) and serving this namespace? ` +
              'Pass a longer askTimeoutMs for slow handlers.',
          ),
        );
      }, timeoutMs);
      this.pending.set(corr, { resolve, reject, timer });
      this.loop ??= this.run();
    });
  }

  /** Forgets a pending ask whose message could not be sent. */
  cancel(corr: string, err: Error): void {
    const p = this.pending.get(corr);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(corr);
    p.reject(err);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [corr, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TimeoutError(`ask ${corr} abandoned: the client was closed`));
    }
    this.pending.clear();
    this.conn?.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const conn = (this.conn ??= this.open());
    try {
      while (!this.closed && this.pending.size > 0) {
        let res: [Buffer, Buffer] | null;
        try {
          res = await conn.blpopBuffer(this.replyKey, 1);
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (!res) continue;
        const more = (await conn.lpopBuffer(this.replyKey, 1000).catch(() => null)) ?? [];
        for (const bytes of [res[1], ...more]) this.deliver(bytes);
      }
    } finally {
      this.loop = undefined;
      if (!this.closed && this.pending.size > 0) this.loop = this.run();
    }
  }

  private deliver(bytes: Buffer): void {
    let reply;
    try {
      reply = decodeReply(bytes);
    } catch {
      return;
    }
    const p = this.pending.get(reply.corr);
    if (!p) return;
    this.pending.delete(reply.corr);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.value);
    else
      p.reject(
        new HandlerError(`${reply.error.name}: ${reply.error.message}`, reply.error.name, reply.error.stack),
      );
  }
}
