/**
 * What `troupe send --stdin` shows on stderr: a live cli-progress bar on a terminal, otherwise a
 * line at every 10% of a file (or every few seconds from a pipe), and a summary at the end.
 */
import { fstatSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { BulkCounts, BulkResult } from './bulk-send.ts';

/** Bad lines printed in the summary; the count covers the rest. */
const SHOWN_BAD_LINES = 10;
/** Without a terminal, a progress line at least this often when the total is unknown. */
const QUIET_LINE_MS = 5_000;

export interface BulkProgress {
  start(counts: Readonly<BulkCounts>): void;
  stop(): void;
}

/** The size of stdin when it is a regular file (`< messages.jsonl`), so progress can be a fraction. */
export function stdinBytes(): number | undefined {
  try {
    const st = fstatSync(0);
    return st.isFile() && st.size > 0 ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** `done` names what happened to good lines: "sent", or "checked" in a dry run. */
export function bulkProgress(label: string, done: string, totalBytes: number | undefined): BulkProgress {
  let timer: NodeJS.Timeout | undefined;
  let stopBar = () => {};
  const began = performance.now();
  const rate = (n: number) => Math.round(n / Math.max((performance.now() - began) / 1000, 0.001));
  return {
    start(counts) {
      if (process.stderr.isTTY) {
        const known = totalBytes !== undefined;
        const bar = new SingleBar({
          format: `${label} ${known ? '[{bar}] {percentage}% | ' : ''}{sent} ${done}, {bad} bad | {rate}/s | {duration_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          fps: 10,
        });
        bar.start(totalBytes ?? 1, 0, { sent: 0, bad: 0, rate: 0 });
        timer = setInterval(() => {
          const payload = { sent: counts.sent, bad: counts.bad, rate: rate(counts.sent) };
          bar.update(known ? Math.min(counts.bytesDone, totalBytes) : 0, payload);
        }, 100);
        stopBar = () => bar.stop();
      } else {
        let nextTenth = 1;
        let last = performance.now();
        timer = setInterval(() => {
          const tenths = totalBytes ? Math.floor((counts.bytesDone / totalBytes) * 10) : 0;
          const now = performance.now();
          if (tenths >= nextTenth || (!totalBytes && now - last >= QUIET_LINE_MS)) {
            const pct = totalBytes ? `${tenths * 10}%, ` : '';
            process.stderr.write(
              `${label}: ${pct}${counts.sent} ${done}, ${counts.bad} bad (${rate(counts.sent)}/s)\n`,
            );
            nextTenth = tenths + 1;
            last = now;
          }
        }, 250);
      }
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      stopBar();
    },
  };
}

/** The end-of-run report: counts, time and rate, then the first bad lines with their numbers. */
export function bulkSummary(r: BulkResult, dryRun: boolean, namespace: string): string {
  const secs = r.elapsedMs / 1000;
  const rate = Math.round(r.sent / Math.max(secs, 0.001));
  const out = [
    dryRun
      ? `troupe: dry run: checked ${r.sent + r.bad} lines in ${secs.toFixed(1)} s: ${r.sent} would be sent, ${r.bad} bad; nothing was sent`
      : `troupe: sent ${r.sent}, failed ${r.bad} (bad lines) to namespace ${namespace} in ${secs.toFixed(1)} s (${rate} messages/s)`,
  ];
  for (const b of r.badLines.slice(0, SHOWN_BAD_LINES)) out.push(`troupe: line ${b.line}: ${b.error}`);
  if (r.bad > SHOWN_BAD_LINES) out.push(`troupe: ... and ${r.bad - SHOWN_BAD_LINES} more bad lines`);
  if (r.bad > 0) {
    out.push(
      dryRun
        ? 'troupe: fix those lines, then run again without --dry-run to send'
        : 'troupe: bad lines were skipped and the others sent; fix those lines and send just them again',
    );
  }
  if (r.fatal) {
    out.push(
      `troupe: stopped: a send failed (below); line ${r.fatal.line} is the first not confirmed. ` +
        `Resend from there once Redis is back: tail -n +${r.fatal.line} messages.jsonl | troupe send --stdin ` +
        '(lines after it that were stored are sent again, so handlers should tolerate a repeat)',
    );
  }
  return `${out.join('\n')}\n`;
}
