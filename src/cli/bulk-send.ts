import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseLine } from './bulk-lines.ts';
import type { MessageTarget } from './message-command.ts';

/** Bad lines kept with their message for the summary; the rest are only counted. */
const KEPT_BAD_LINES = 20;

export interface BadLine {
  line: number;
  error: string;
}

/** Where a bulk send stands; read by the progress display while it runs. */
export interface BulkCounts {
  /** Messages confirmed stored (or, in a dry run, valid). */
  sent: number;
  /** Lines skipped as bad input. */
  bad: number;
  /** Bytes of input whose lines are done (sent or skipped), for a progress bar over a file. */
  bytesDone: number;
}

export interface BulkResult extends BulkCounts {
  /** The first bad lines, by line number. */
  badLines: BadLine[];
  /** A send that failed in a way that stops the run (Redis), with the first line it left unconfirmed. */
  fatal: { line: number; error: unknown } | undefined;
  elapsedMs: number;
}

export interface BulkOptions {
  input: Readable;
  /** At most this many sends in flight; reading pauses until half of them are confirmed. */
  window: number;
  /** From `troupe send <type> --stdin`: lines may omit "type". */
  defaultType?: string | undefined;
  /** Sends one message; resolves once it is stored. Calls are made in input order. */
  send(target: MessageTarget): Promise<unknown>;
  /** True for an error that must stop the run (Redis unreachable); others mark the line bad. */
  isFatal(err: unknown): boolean;
  /** Receives the live counts once, at the start, for a progress display to poll. */
  onStart?(counts: Readonly<BulkCounts>): void;
}

/**
 * Reads JSON lines and sends each as one message, keeping at most `window` sends in flight. Sends
 * start in input order, and the client's tells go out in order on one connection, so each actor
 * gets its messages in input order. A bad line is recorded with its number and skipped; the lines
 * after it are still sent. A fatal error stops reading; sends in flight are still awaited.
 */
export async function bulkSend(opts: BulkOptions): Promise<BulkResult> {
  const started = performance.now();
  const counts: BulkCounts = { sent: 0, bad: 0, bytesDone: 0 };
  const badLines: BadLine[] = [];
  let fatal: BulkResult['fatal'];
  opts.onStart?.(counts);

  const markBad = (line: number, error: string) => {
    counts.bad++;
    if (badLines.length < KEPT_BAD_LINES) badLines.push({ line, error });
  };

  let inFlight = 0;
  let waiter: { below: number; resume: () => void } | undefined;
  const settled = (bytes: number) => {
    inFlight--;
    counts.bytesDone += bytes;
    if (waiter && inFlight <= waiter.below) {
      const { resume } = waiter;
      waiter = undefined;
      resume();
    }
  };
  const drainTo = (below: number) =>
    inFlight <= below ? Promise.resolve() : new Promise<void>((resume) => (waiter = { below, resume }));

  const lines = createInterface({ input: opts.input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    const bytes = Buffer.byteLength(text) + 1;
    if (text.trim() === '') {
      counts.bytesDone += bytes;
      continue;
    }
    const parsed = parseLine(text, opts.defaultType);
    if (!parsed.ok) {
      markBad(lineNo, parsed.error);
      counts.bytesDone += bytes;
      continue;
    }
    const line = lineNo;
    inFlight++;
    sendOne(opts, parsed.target).then(
      () => {
        counts.sent++;
        settled(bytes);
      },
      (err: unknown) => {
        if (opts.isFatal(err)) {
          if (!fatal || line < fatal.line) fatal = { line, error: err };
        } else {
          markBad(line, err instanceof Error ? err.message : String(err));
        }
        settled(bytes);
      },
    );
    if (inFlight >= opts.window) await drainTo(Math.floor(opts.window / 2));
    if (fatal) break;
  }
  await drainTo(0);
  badLines.sort((a, b) => a.line - b.line);
  return { ...counts, badLines, fatal, elapsedMs: performance.now() - started };
}

/** A send that throws at the call (a bad name) rejects instead, so it marks its line like any other. */
function sendOne(opts: BulkOptions, target: MessageTarget): Promise<unknown> {
  try {
    return opts.send(target);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
