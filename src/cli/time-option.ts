import { InvalidArgumentError } from 'commander';

/**
 * Commander option parser for a point in time: milliseconds since the epoch (as `read({ at })`
 * takes, and as inspect prints beside each segment) or an ISO date, which is easier to type.
 */
export function timeOption(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : isoDate(value);
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError(
      'expected milliseconds since the epoch (e.g. 1718020800000) or an ISO date (e.g. 2024-06-10T12:00:00Z)',
    );
  }
  return ms;
}

/** Only ISO forms (2024-06-10, 2024-06-10T12:00, with seconds, fraction and zone): Date.parse takes much more. */
function isoDate(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/.test(value))
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
