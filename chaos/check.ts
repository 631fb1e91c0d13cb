/**
 * The check: every actor's context against exactly the messages whose send was confirmed.
 *
 * Per sender and actor, the context lists the applied seqs in apply order. Then:
 * - lost: a confirmed seq that is not applied;
 * - duplicated: a seq applied more than once (each extra application counts);
 * - out of order: a seq applied after a larger one of the same sender;
 * - phantom: a seq (or sender) that was never sent, e.g. a rolled-back poison segment.
 * An unconfirmed seq (its tell rejected) may or may not be applied: both are right.
 *
 * Every record the load sends asks its actor to forward it to the next actor (chaos/actors.ts), in
 * the same turn: the target's context must hold, under `<sender>><actor>`, exactly the seqs the
 * actor applied, in the same order. Those count as lost, duplicated, out of order or phantom too.
 */
import type { DeadLetter } from '../src/index.ts';
import { expandRuns, forwardedFrom, forwardTarget, type ChaosCtx } from './actors.ts';
import type { BadMessage } from './faults.ts';
import { actorId, CONFIRMED, UNCONFIRMED, type SendBook } from './load.ts';

export interface CheckResult {
  /** Records applied from the senders (forwarded ones not counted). */
  applied: number;
  /** Forwarded records applied. */
  forwarded: number;
  appliedUnconfirmed: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  phantom: number;
  /** A few concrete examples of each problem, for the report. */
  examples: string[];
}

export function checkContexts(book: SendBook, contexts: ChaosCtx[]): CheckResult {
  const r: CheckResult = {
    applied: 0,
    forwarded: 0,
    appliedUnconfirmed: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    phantom: 0,
    examples: [],
  };
  const example = (s: string) => {
    if (r.examples.length < 12) r.examples.push(s);
  };
  contexts.forEach((ctx, a) => {
    for (const sender of Object.keys(ctx.runs)) {
      if (!book.status.has(sender) && !isForwarded(sender, book, contexts.length)) {
        const n = expandRuns(ctx.runs[sender]).length;
        r.phantom += n;
        example(`a${a}: ${n} segment(s) from "${sender}", which never sent a record`);
      }
    }
    for (const sender of book.senders) {
      const status = book.status.get(sender)![a]!;
      const applied = expandRuns(ctx.runs[sender]);
      r.applied += applied.length;
      checkForward(r, example, contexts, a, sender, applied);
      const seen = new Set<number>();
      let max = 0;
      for (const q of applied) {
        if (seen.has(q)) {
          r.duplicated++;
          example(`a${a}: ${sender} #${q} applied twice`);
        } else if (q < max) {
          r.outOfOrder++;
          example(`a${a}: ${sender} #${q} applied after #${max}`);
        }
        if (status[q] === UNCONFIRMED) r.appliedUnconfirmed++;
        else if (status[q] !== CONFIRMED) {
          r.phantom++;
          example(`a${a}: ${sender} #${q} applied but never sent`);
        }
        seen.add(q);
        if (q > max) max = q;
      }
      status.forEach((st, q) => {
        if (st === CONFIRMED && !seen.has(q)) {
          r.lost++;
          example(`a${a}: ${sender} #${q} confirmed but not applied`);
        }
      });
    }
  });
  return r;
}

/** Whether a sender name is a forwarded one (`<sender>><actor>`) of this run. */
function isForwarded(name: string, book: SendBook, actors: number): boolean {
  const [sender, actor] = name.split('>');
  return (
    actor !== undefined &&
    book.status.has(sender!) &&
    Array.from({ length: actors }, (_, i) => actorId(i)).includes(actor)
  );
}

/** The records actor a applied from `sender`, against what its forward target holds of them. */
function checkForward(
  r: CheckResult,
  example: (s: string) => void,
  contexts: ChaosCtx[],
  a: number,
  sender: string,
  applied: number[],
): void {
  const b = forwardTarget(a, contexts.length);
  const got = expandRuns(contexts[b]!.runs[forwardedFrom(sender, actorId(a))]);
  r.forwarded += got.length;
  const expected = new Set(applied);
  const seen = new Set<number>();
  let max = 0;
  for (const q of got) {
    if (seen.has(q)) {
      r.duplicated++;
      example(`a${b}: ${sender} #${q} forwarded by a${a} applied twice`);
    } else if (q < max) {
      r.outOfOrder++;
      example(`a${b}: ${sender} #${q} forwarded by a${a} applied after #${max}`);
    }
    if (!expected.has(q)) {
      r.phantom++;
      example(`a${b}: ${sender} #${q} forwarded by a${a}, which never applied it`);
    }
    seen.add(q);
    if (q > max) max = q;
  }
  for (const q of applied) {
    if (!seen.has(q)) {
      r.lost++;
      example(`a${b}: ${sender} #${q} applied by a${a} but never forwarded`);
    }
  }
}

/** Whether every record each actor applied has reached its forward target (the drain waits for it). */
export function forwardsArrived(senders: readonly string[], contexts: ChaosCtx[]): boolean {
  return contexts.every((ctx, a) =>
    senders.every((s) => {
      const sent = expandRuns(ctx.runs[s]).length;
      const b = contexts[forwardTarget(a, contexts.length)]!;
      return expandRuns(b.runs[forwardedFrom(s, actorId(a))]).length >= sent;
    }),
  );
}

export interface DeadLetterCheck {
  /** Bad messages whose send was confirmed: each must be dead-lettered exactly once. */
  expected: number;
  /** Bad messages whose send was not confirmed (may or may not be dead-lettered). */
  unconfirmed: number;
  /** Dead letters of injected bad messages. */
  found: number;
  /** Confirmed bad messages with no dead letter. */
  missing: number;
  /** Extra dead letters of one bad message. */
  duplicated: number;
  /** `record` messages dead-lettered: a good message that was not applied. */
  records: number;
  /** Dead letters that are neither. */
  other: number;
  byReason: Record<string, number>;
  examples: string[];
}

function markerOf(d: DeadLetter): string | undefined {
  if (d.envelope?.method === 'poison') return String(d.envelope.args[0]);
  const m = /chaos-bad-\d+/.exec(d.raw.toString('latin1'));
  return m?.[0];
}

export function checkDeadLetters(bad: readonly BadMessage[], dead: readonly DeadLetter[]): DeadLetterCheck {
  const r: DeadLetterCheck = {
    expected: bad.filter((b) => b.confirmed).length,
    unconfirmed: bad.filter((b) => !b.confirmed).length,
    found: 0,
    missing: 0,
    duplicated: 0,
    records: 0,
    other: 0,
    byReason: {},
    examples: [],
  };
  const byMarker = new Map(bad.map((b) => [b.marker, b]));
  const seen = new Map<string, number>();
  for (const d of dead) {
    r.byReason[d.reason] = (r.byReason[d.reason] ?? 0) + 1;
    const marker = markerOf(d);
    if (marker && byMarker.has(marker)) {
      r.found++;
      seen.set(marker, (seen.get(marker) ?? 0) + 1);
    } else if (d.envelope?.method === 'record') {
      r.records++;
      if (r.examples.length < 6)
        r.examples.push(`record ${JSON.stringify(d.envelope.args)} to ${d.actor} dead-lettered: ${d.reason}`);
    } else {
      r.other++;
      if (r.examples.length < 6) r.examples.push(`unexpected dead letter ${d.id} (${d.actor}, ${d.reason})`);
    }
  }
  for (const b of bad) {
    const n = seen.get(b.marker) ?? 0;
    if (n > 1) {
      r.duplicated += n - 1;
      if (r.examples.length < 6) r.examples.push(`${b.marker} (${b.kind}) dead-lettered ${n} times`);
    }
    if (b.confirmed && n === 0) {
      r.missing++;
      if (r.examples.length < 6)
        r.examples.push(`${b.marker} (${b.kind}, ${b.variant}) to ${b.actor}: no dead letter`);
    }
  }
  return r;
}

/** True when every confirmed bad message has its dead letter. */
export function allBadDeadLettered(bad: readonly BadMessage[], dead: readonly DeadLetter[]): boolean {
  const found = new Set(dead.map(markerOf));
  return bad.every((b) => !b.confirmed || found.has(b.marker));
}
