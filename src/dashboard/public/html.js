// @ts-check
// JSX-like templates without a build step: htm's tagged templates over Preact's h().
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

/** A time as the page shows it: local, to the second. */
export function clock(ms) {
  return ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '—';
}

/** A date and time, to the millisecond, for log entries. */
export function stamp(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A rate or count, rounded for reading. */
export function num(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: digits }) : '—';
}
