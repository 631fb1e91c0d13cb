/**
 * Latency histograms, shared by every system's processes: recorded in µs with hdr-histogram-js,
 * sent between processes compressed, and read back as percentiles in ms.
 */
import { build, decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { CpuUse } from './cpu.ts';

/** A latency run's result, in ms, whichever system it measured. */
export interface LatencyRun {
  sent: number;
  achievedRate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** encodeIntoCompressedBase64 of the µs histogram. */
  histogram: string;
  /** What the processes spent over the run. */
  cpu: CpuUse;
}

/** A histogram of µs from 1 µs to 10 minutes, 3 significant digits. */
export function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Percentiles in ms (and the sample count) of a compressed µs histogram. */
export function percentiles(encoded: string): {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
} {
  const h = decodeFromCompressedBase64(encoded);
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    max: h.maxValue / 1000,
  };
}
