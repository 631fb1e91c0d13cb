/**
 * Turns scenario outcomes into what the terminal shows: per scenario a heading, one table row per
 * (case, metric) with a column per system — median (min–max) over the runs — and, where Troupe and
 * a peer measured the same thing, Troupe's ratio against that peer.
 *
 * @example
 * ```ts
 * console.log(renderResults([{ scenario: throughput, outcome }]));
 * ```
 */
import { CPU_NOTE, renderCpuTable } from './cpu-table.ts';
import type { Measurement, Scenario, ScenarioOutcome } from './scenario.ts';
import { formatValue, renderTable } from './table.ts';
import { formatRatio } from './timing.ts';

const TROUPE = 'troupe';

function cell(m: Measurement | undefined): string {
  if (!m) return '—';
  const s = m.summary;
  return s.runs > 1
    ? `${formatValue(s.median)} (${formatValue(s.min)}–${formatValue(s.max)})`
    : formatValue(s.median);
}

/** How many times better Troupe is than `peer`: > 1 means Troupe wins, whichever way is better. */
export function ratio(troupe: Measurement, peer: Measurement): number {
  return troupe.better === 'higher'
    ? troupe.summary.median / peer.summary.median
    : peer.summary.median / troupe.summary.median;
}

function scenarioTable(measurements: Measurement[]): string {
  const systems: string[] = [];
  const groups = new Map<string, Map<string, Measurement>>();
  for (const m of measurements) {
    if (!systems.includes(m.system)) systems.push(m.system);
    const key = `${m.case}\0${m.metric}`;
    if (!groups.has(key)) groups.set(key, new Map());
    groups.get(key)!.set(m.system, m);
  }
  // Troupe's own variants ('troupe (reused refs)') are rows to compare by eye, not peers
  const peers = systems.filter(
    (s) =>
      s !== TROUPE &&
      !s.startsWith(`${TROUPE} (`) &&
      [...groups.values()].some((g) => g.has(s) && g.has(TROUPE)),
  );
  const rows = [...groups.entries()].map(([key, bySystem]) => {
    const [kase, metric] = key.split('\0') as [string, string];
    const troupe = bySystem.get(TROUPE);
    return [
      kase,
      metric,
      ...systems.map((s) => cell(bySystem.get(s))),
      ...peers.map((p) => {
        const peer = bySystem.get(p);
        return troupe && peer ? formatRatio(ratio(troupe, peer)) : '—';
      }),
    ];
  });
  return renderTable(['case', 'metric', ...systems, ...peers.map((p) => `troupe vs ${p}`)], rows);
}

export function renderResults(outcomes: { scenario: Scenario; outcome: ScenarioOutcome }[]): string {
  const out: string[] = [];
  for (const { scenario, outcome } of outcomes) {
    out.push('', `### ${scenario.title}`, '', scenarioTable(outcome.measurements));
    const runs = Math.max(...outcome.measurements.map((m) => m.summary.runs));
    out.push(
      '',
      `Median of ${runs} run(s)${runs > 1 ? ', (min–max)' : ''}. "troupe vs X": how many times better Troupe is (> 1: Troupe wins).`,
    );
    for (const note of outcome.notes ?? []) out.push(`- ${note}`);
    for (const t of outcome.targets ?? []) {
      out.push(
        `- target: ${t.description}: ${t.met === undefined ? 'not measured' : t.met ? 'MET' : 'MISSED'} — ${t.observed}`,
      );
    }
    if (outcome.cpu && outcome.cpu.length > 0) {
      out.push('', `CPU per 1,000 committed messages, per process:`, '', renderCpuTable(outcome.cpu));
      out.push('', `- ${CPU_NOTE}`);
    }
  }
  return out.join('\n');
}
