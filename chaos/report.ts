/** The chaos report: built from a run, printed as text, written as JSON with `--json FILE`. */
import type { CheckResult, DeadLetterCheck } from './check.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';

export interface Report extends Pick<CheckResult, 'lost' | 'duplicated' | 'outOfOrder' | 'phantom'> {
  seed: number;
  flags: Record<string, number | string>;
  loadSeconds: number;
  faults: Record<FaultKind, number>;
  faultLog: { kind: FaultKind; atMs: number; detail: string; recoverMs: number | null }[];
  recovery: Record<
    FaultKind,
    { count: number; medianMs: number | null; maxMs: number | null; notRecovered: number }
  >;
  messages: {
    confirmed: number;
    unconfirmed: number;
    /** tells that neither resolved nor rejected within 20 s (counted in unconfirmed) */
    hung: number;
    applied: number;
    appliedUnconfirmed: number;
    /** records actors sent on to other actors (of other partitions and pools), applied */
    forwarded: number;
  };
  deadLetters: DeadLetterCheck;
  /** ms from the end of the load (and faults) until every confirmed message was applied. */
  drainMs: number | null;
  workers: {
    fencedCommits: number;
    warnings: number;
    errors: number;
    unexpectedExits: string[];
    exitCodes: string[];
  };
  examples: string[];
  problems: string[];
  pass: boolean;
}

export function recoveryStats(faultLog: Report['faultLog']): Report['recovery'] {
  const out = {} as Report['recovery'];
  for (const kind of FAULT_KINDS) {
    const mine = faultLog.filter((f) => f.kind === kind);
    const times = mine.flatMap((f) => (f.recoverMs === null ? [] : [f.recoverMs])).sort((a, b) => a - b);
    out[kind] = {
      count: mine.length,
      medianMs: times.length ? times[Math.floor((times.length - 1) / 2)]! : null,
      maxMs: times.length ? times[times.length - 1]! : null,
      notRecovered: mine.length - times.length,
    };
  }
  return out;
}

/** The verdict: every way the run can fail, in words. */
export function problemsOf(r: Omit<Report, 'problems' | 'pass'>, check: CheckResult): string[] {
  const p: string[] = [];
  if (r.lost) p.push(`${r.lost} confirmed message(s) lost`);
  if (r.duplicated) p.push(`${r.duplicated} message(s) applied twice`);
  if (r.outOfOrder) p.push(`${r.outOfOrder} message(s) applied out of order`);
  if (r.phantom) p.push(`${r.phantom} segment(s) applied that were never sent`);
  const d = r.deadLetters;
  if (d.missing) p.push(`${d.missing} confirmed poison/malformed message(s) not dead-lettered`);
  if (d.duplicated) p.push(`${d.duplicated} poison/malformed message(s) dead-lettered more than once`);
  if (d.records) p.push(`${d.records} good record message(s) dead-lettered`);
  if (d.other) p.push(`${d.other} unexpected dead letter(s)`);
  if (r.messages.hung)
    p.push(
      `${r.messages.hung} tell(s) neither resolved nor rejected within 20 s (a tell must confirm or reject)`,
    );
  if (r.drainMs === null) p.push('the system did not drain (recover) before the timeout');
  for (const why of r.workers.unexpectedExits) p.push(`a worker exited on its own: ${why.split('\n')[0]}`);
  if (check.applied !== r.messages.applied) p.push('internal: applied counts disagree');
  return p;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const ms = (n: number | null) => (n === null ? '-' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`);

export function formatReport(r: Report): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(22)} ${v}`);
  lines.push('', '== Troupe chaos report ==');
  row(
    'seed / flags',
    `--seed ${r.seed} ${Object.entries(r.flags)
      .map(([k, v]) => `--${k} ${v}`)
      .join(' ')}`,
  );
  row('load', `${r.loadSeconds} s`);
  lines.push('', 'faults injected          count  recover median    max  not recovered');
  for (const kind of FAULT_KINDS) {
    const s = r.recovery[kind];
    lines.push(
      `  ${kind.padEnd(22)} ${String(s.count).padStart(5)}  ${ms(s.medianMs).padStart(14)} ${ms(s.maxMs).padStart(6)}  ${String(s.notRecovered).padStart(13)}`,
    );
  }
  lines.push(`  (recover: from the fault until every actor applied a message sent after it)`);
  lines.push('');
  row('messages confirmed', fmt(r.messages.confirmed));
  row(
    'messages unconfirmed',
    `${fmt(r.messages.unconfirmed)} (tell rejected${r.messages.hung ? ` or hung: ${fmt(r.messages.hung)} hung` : ''}; ${fmt(r.messages.appliedUnconfirmed)} of them applied anyway)`,
  );
  row('messages applied', fmt(r.messages.applied));
  row(
    'forwarded, applied',
    `${fmt(r.messages.forwarded)} (each applied record sent on by its actor to the next)`,
  );
  row('lost', fmt(r.lost));
  row('duplicated', fmt(r.duplicated));
  row('out of order', fmt(r.outOfOrder));
  row('never sent, applied', fmt(r.phantom));
  const d = r.deadLetters;
  row(
    'dead letters',
    `${fmt(d.found)} of ${fmt(d.expected)} confirmed poison/malformed (+${d.unconfirmed} unconfirmed); ` +
      `missing ${d.missing}, duplicated ${d.duplicated}, records ${d.records}, other ${d.other}`,
  );
  row(
    '  by reason',
    Object.entries(d.byReason)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-',
  );
  row('drain after load', r.drainMs === null ? 'did not drain' : ms(r.drainMs));
  row(
    'workers',
    `${r.workers.fencedCommits} fenced commit(s) refused, ${r.workers.warnings} warning(s), ${r.workers.errors} error(s) logged; ` +
      `final stops ${r.workers.exitCodes.every((c) => c === '0') ? 'all graceful (exit 0)' : 'NOT all graceful'}`,
  );
  if (r.examples.length) {
    lines.push('', 'examples:');
    for (const e of r.examples) lines.push(`  ${e}`);
  }
  lines.push('');
  if (r.pass) lines.push('PASS');
  else {
    lines.push('FAIL');
    for (const p of r.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n');
}
