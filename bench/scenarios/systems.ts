/** The names systems go by in tables, JSON and charts: ratios are taken against `TROUPE`. */
export const TROUPE = 'troupe';
/** Troupe with the cheapest sender the public API offers (refs reused), beside the README's path. */
export const TROUPE_REUSED = 'troupe (reused refs)';
export const BULLMQ_STATE = 'bullmq GET/SET';
export const BULLMQ_TRIVIAL = 'bullmq trivial';
export const PIPELINE = 'redis pipeline';

/** 1000 → "1k", 100000 → "100k". */
export function shortCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}
