import type { Clock } from '../clock.ts';
import type { DeadLetterReason } from '../protocol/dead-letter-reasons.ts';
import type { Logger } from '../logger.ts';

/** A message dead-lettered without running (bad input): what a log line says about it. */
export interface Rejection {
  reason: DeadLetterReason;
  /** `<type>/<id>` of the mailbox it was in. */
  actor: string;
  /** Undefined when the envelope was not read: undecodable, or oversized (left unread on purpose). */
  messageId: string | undefined;
  error: string;
}

/** At most `lines` lines per reason in each window of `perMs`. */
export interface LogLimit {
  lines: number;
  perMs: number;
}

/** Enough lines to see what is wrong; a broken sender's flood costs one summary line a minute. */
const DEAD_LETTER_LOG_LIMIT: LogLimit = { lines: 10, perMs: 60_000 };

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  timer: unknown;
}

/**
 * Logs each rejected message at `warn` (dead letters are otherwise only counted, and an operator
 * reads logs first), rate-limited per reason so that a broken sender cannot fill the disk: past
 * the limit, lines are counted and one summary line reports them when the window ends.
 */
export class DeadLetterLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly limit: LogLimit = DEAD_LETTER_LOG_LIMIT,
  ) {}

  note(r: Rejection): void {
    const now = this.clock.now();
    let w = this.windows.get(r.reason);
    if (w && now - w.startedAt >= this.limit.perMs) {
      this.close(r.reason, w);
      w = undefined;
    }
    if (!w) {
      w = { startedAt: now, logged: 0, suppressed: 0, timer: undefined };
      this.windows.set(r.reason, w);
    }
    if (w.logged < this.limit.lines) {
      w.logged++;
      const id = r.messageId === undefined ? 'a message' : `message ${r.messageId}`;
      this.log.warn(
        { reason: r.reason, actor: r.actor, messageId: r.messageId, error: r.error },
        `dead-lettered ${id} to ${r.actor} (${r.reason}): ${r.error}`,
      );
      return;
    }
    w.suppressed++;
    // the summary comes when the window ends, even if no message follows
    const window = w;
    w.timer ??= this.clock.setTimeout(
      () => this.close(r.reason, window),
      window.startedAt + this.limit.perMs - now,
    );
  }

  /** Reports what is still suppressed (a stopping worker calls it). */
  flush(): void {
    for (const [reason, w] of this.windows) this.close(reason, w);
  }

  private close(reason: string, w: Window): void {
    if (this.windows.get(reason) === w) this.windows.delete(reason);
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    w.timer = undefined;
    if (w.suppressed === 0) return;
    const seconds = Math.round(this.limit.perMs / 1000);
    this.log.warn(
      { reason, suppressed: w.suppressed },
      `suppressed ${w.suppressed} more dead-letter lines (${reason}) in ${seconds} s; ` +
        `list them with: troupe dead-letters list --reason ${reason}`,
    );
    w.suppressed = 0;
  }
}
