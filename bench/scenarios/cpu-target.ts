/**
 * Issue 13's CPU target spans two scenarios, so the runner checks it once both have run: at 5k
 * msgs/s offered (latency), Troupe's total CPU per message within 2x of the saturated 1k-actor
 * throughput case, in the same run. Cost per message should not climb as batches get shallow.
 */
import type { CpuRow } from '../lib/cpu-table.ts';
import type { ScenarioOutcome, TargetCheck } from '../lib/scenario.ts';
import { formatRatio } from '../lib/timing.ts';
import { TROUPE } from './systems.ts';

const FACTOR = 2;

export function cpuTarget(outcomes: { name: string; outcome: ScenarioOutcome }[]): TargetCheck | undefined {
  const total = (scenario: string, kase: string) =>
    outcomes
      .find((o) => o.name === scenario)
      ?.outcome.cpu?.find((r: CpuRow) => r.case === kase && r.system === TROUPE)?.msPer1k.total;
  const saturated = total('throughput', '1k actors');
  const at5k = total('latency', '5k msgs/s offered');
  if (saturated === undefined || at5k === undefined) return undefined;
  return {
    description: `total CPU per message at 5k msgs/s offered within ${FACTOR}x of the saturated 1k-actor case`,
    met: at5k <= FACTOR * saturated,
    observed: `${formatRatio(at5k / saturated)} (${at5k.toFixed(1)} vs ${saturated.toFixed(1)} CPU ms per 1,000 messages, all processes)`,
  };
}
