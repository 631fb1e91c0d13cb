import { hostname } from 'node:os';
import { decodeTurnHistograms, encodeTurnHistograms } from './turn-times.ts';
/**
 * A worker's entry in the registry (`troupe:<ns>:worker:<id>`, a hash its heartbeat rewrites and
 * that expires with it). Every value is a string in Redis; `readRegistryEntry` reads it back.
 * Workers write it and clients (`troupe workers`, `admin.workers()`) read it: the format lives
 * here, below both, so reading it does not load the runtime.
 */
export interface RegistryEntry {
  name: string;
  host: string;
  pid: number;
  /** ms since the epoch. */
  startedAt: number;
  /** Actor types this worker runs. */
  types: string[];
  concurrency: number;
  leaseMs: number;
  partitions: number[];
  turnsSucceeded: number;
  turnsFailed: number;
  busyMs: number;
  /** Batches of turns in flight now. */
  currentTurns: number;
  activeActors: number;
  mergesPending: number;
  /** The paused types this worker applies now. */
  paused: string[];
  /** The pools it serves, in priority order (empty for a worker of a version before pools). */
  pools: string[];
  /** Turns per second in each pool it serves, over its last heartbeat interval. */
  poolRates: Record<string, number>;
  /**
   * Per actor type, how many turns since the worker started took how long: counts over the buckets
   * whose upper bounds (ms) are `TURN_MS_BOUNDS`, one more for longer turns. `admin.types()` adds
   * them over the workers for percentiles. Empty for a worker of an older version.
   */
  turnMs: Record<string, number[]>;
  /** Written by the heartbeat, on the Redis clock (ms). */
  heartbeatAt: number;
  /** The entry is dropped if no heartbeat comes before this (ms, Redis clock). */
  expiresAt: number;
}

/** The counters of a worker's stats the entry carries (a worker passes its WorkerStats). */
export interface RegistryStats {
  partitions: readonly number[];
  turnsSucceeded: number;
  turnsFailed: number;
  busyMs: number;
  running: number;
  activeActors: number;
}

export function registryEntry(w: {
  name: string;
  startedAt: number;
  types: readonly string[];
  concurrency: number;
  leaseMs: number;
  stats: RegistryStats;
  paused: readonly string[];
  mergesPending: number;
  pools: readonly string[];
  /** Turns per second of each pool since the previous entry. */
  poolRates: ReadonlyMap<string, number>;
  /** Turn-duration counts per type since the worker started. */
  turnTimes: ReadonlyMap<string, readonly number[]>;
}): Record<string, string | number> {
  return {
    name: w.name,
    host: hostname(),
    pid: process.pid,
    startedAt: w.startedAt,
    types: w.types.join(','),
    concurrency: w.concurrency,
    leaseMs: w.leaseMs,
    partitions: w.stats.partitions.join(','),
    turnsSucceeded: w.stats.turnsSucceeded,
    turnsFailed: w.stats.turnsFailed,
    busyMs: Math.round(w.stats.busyMs),
    currentTurns: w.stats.running,
    activeActors: w.stats.activeActors,
    mergesPending: w.mergesPending,
    paused: w.paused.join(','),
    pools: w.pools.join(','),
    poolRates: [...w.poolRates].map(([pool, rate]) => `${pool}=${Math.round(rate * 100) / 100}`).join(','),
    turnMs: encodeTurnHistograms(w.turnTimes),
  };
}

const list = (v: string | undefined): string[] => (v ? v.split(',') : []);
const num = (v: string | undefined): number => Number(v ?? 0) || 0;

/** The `poolRates` field of an entry: `pool=turns per second`, comma-separated. */
function parsePoolRates(field: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of list(field)) {
    const eq = part.lastIndexOf('=');
    out[part.slice(0, eq)] = Number(part.slice(eq + 1)) || 0;
  }
  return out;
}

/** An entry as HGETALL returns it. */
export function readRegistryEntry(h: Record<string, string>): RegistryEntry {
  return {
    name: h.name ?? '',
    host: h.host ?? '',
    pid: num(h.pid),
    startedAt: num(h.startedAt),
    types: list(h.types),
    concurrency: num(h.concurrency),
    leaseMs: num(h.leaseMs),
    partitions: list(h.partitions).map(Number),
    turnsSucceeded: num(h.turnsSucceeded),
    turnsFailed: num(h.turnsFailed),
    busyMs: num(h.busyMs),
    currentTurns: num(h.currentTurns),
    activeActors: num(h.activeActors),
    mergesPending: num(h.mergesPending),
    paused: list(h.paused),
    pools: list(h.pools),
    poolRates: parsePoolRates(h.poolRates),
    turnMs: decodeTurnHistograms(h.turnMs),
    heartbeatAt: num(h.heartbeatAt),
    expiresAt: num(h.expiresAt),
  };
}
