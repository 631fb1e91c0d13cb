/**
 * A Troupe worker process for the throughput and latency scenarios. It reports how many messages
 * are committed (from the worker's `committed` event) and, when it has seen `expect` of them, the
 * time of that last commit. With `latency`, it also records send → committed per message in an
 * HDR histogram (microseconds), from the send time the message carried. With `passivate`, it then
 * waits until every actor has gone idle and been dropped from memory (their logs merged) and
 * reports `passivated`, so the cold scenario's CPU window holds the passivations too. With
 * `prewarm`, it first reports `warm` once that many warm-up messages are committed (and, with
 * `passivate`, their actors put away), and counts only the messages after them.
 */
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { connect, type WorkOptions } from '../../src/index.ts';
import { BenchCounter, BenchTimedCounter, stamped } from '../actors.ts';
import { jobOf, nowMs, report, reportProgress } from '../lib/child.ts';
import { newHistogram } from '../lib/latency.ts';

export interface TroupeWorkerJob {
  url: string;
  namespace: string;
  expect: number;
  latency: boolean;
  /** After the last commit, wait for every actor to be passivated (set a short work.idleMs). */
  passivate?: boolean;
  work?: WorkOptions;
  /** Warm-up messages committed before the measured ones (child.ts `warmUp`). */
  prewarm?: number;
}

/** How long merges must stand still, with no actor active, before passivation counts as done. */
const MERGES_QUIET_MS = 1_000;

const job = jobOf<TroupeWorkerJob>();
const troupe = await connect({
  redis: job.url,
  namespace: job.namespace,
  actors: [BenchCounter, BenchTimedCounter],
});
const histogram = newHistogram();
const worker = await troupe.work(job.work ?? {});
// below zero while the warm-up runs
let committed = -(job.prewarm ?? 0);
let warm = committed === 0;
let done = false;

worker.on('committed', (_p, turns) => {
  const now = nowMs();
  for (const turn of turns) {
    committed += turn.messages;
    if (!job.latency || !warm) continue;
    const queue = stamped.get(turn.actor.slice(turn.actor.indexOf('/') + 1));
    for (let i = 0; i < turn.messages; i++) {
      const t = queue?.shift();
      if (t) histogram.recordValue(Math.max(1, Math.round((now - t) * 1000)));
    }
  }
  if (!warm && committed >= 0) {
    warm = true;
    void (job.passivate ? whenPassivated('warm') : report({ kind: 'warm' }));
  }
  if (warm && !done && committed >= job.expect) {
    done = true;
    report({
      kind: 'done',
      last: now,
      committed,
      ...(job.latency ? { histogram: encodeIntoCompressedBase64(histogram) } : {}),
    });
    if (job.passivate) void whenPassivated('passivated');
  }
});

// the warm-up's share of the counters, left out of what `passivated` reports
const before = { merges: 0, activations: 0 };

/**
 * Polls until no actor is active and merges are done: one per actor, or none for
 * MERGES_QUIET_MS (a passivation with nothing to merge may skip its merge); then reports `kind`.
 */
async function whenPassivated(kind: 'warm' | 'passivated'): Promise<void> {
  const expect = kind === 'warm' ? (job.prewarm ?? 0) : job.expect;
  let merges = -1;
  let quietSince = nowMs();
  for (;;) {
    const s = worker.stats();
    if (s.merges !== merges) [merges, quietSince] = [s.merges, nowMs()];
    const idle = s.activeActors === 0 && s.inflight === 0;
    if (idle && (s.merges - before.merges >= expect || nowMs() - quietSince > MERGES_QUIET_MS)) {
      const stats = {
        ...s,
        merges: s.merges - before.merges,
        activations: s.activations - before.activations,
      };
      [before.merges, before.activations] = [s.merges, s.activations];
      report({ kind, at: nowMs(), stats });
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stopProgress = reportProgress(() => Math.max(0, committed));

const stop = async () => {
  stopProgress();
  await troupe.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.on('message', (m) => {
  if ((m as { kind?: string }).kind === 'stop') void stop();
});
report({ kind: 'ready', partitions: worker.stats().partitions.length });
