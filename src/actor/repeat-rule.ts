/**
 * When a repeat (`this.repeat`) fires: every `everyMs`, or by a cron rule in a time zone. A rule is
 * checked where it is given, so a bad one fails the call that names it (a ConfigError naming the
 * field), and the next due time is computed at each firing's commit.
 */
import { Cron } from 'croner';
import { ConfigError } from '../errors.ts';

import type { RepeatRule } from '../protocol/repeat-record.ts';

export type { RepeatRule };

/** The shortest period a repeat may have. */
export const MIN_EVERY_MS = 10;

/** The longest repeat name. */
const MAX_NAME = 200;

export function checkRepeatName(name: unknown, call: string): string {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME || name.includes('\0')) {
    throw new ConfigError(
      `${call}: name must be a non-empty string of at most ${MAX_NAME} characters without NUL; got ${String(name)}`,
    );
  }
  return name;
}

/** The rule, checked: throws a ConfigError naming the bad field. */
export function checkRepeatRule(rule: unknown): RepeatRule {
  if (typeof rule !== 'object' || rule === null) {
    throw new ConfigError(
      "repeat: the rule must be { everyMs } or { cron, tz? }, e.g. { everyMs: 60_000 } or { cron: '0 3 * * *', tz: 'Europe/Paris' }",
    );
  }
  const r = rule as Record<string, unknown>;
  if ('everyMs' in r) {
    if ('cron' in r || 'tz' in r)
      throw new ConfigError('repeat: give either everyMs or cron (with tz), not both');
    const every = r.everyMs;
    if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < MIN_EVERY_MS) {
      throw new ConfigError(
        `repeat: everyMs must be a whole number of ms >= ${MIN_EVERY_MS}; got ${String(every)}`,
      );
    }
    return { everyMs: every };
  }
  if (typeof r.cron !== 'string' || r.cron.trim() === '') {
    throw new ConfigError("repeat: the rule needs everyMs (a number) or cron (a string such as '0 3 * * *')");
  }
  if (r.tz !== undefined && (typeof r.tz !== 'string' || r.tz === '')) {
    throw new ConfigError(
      `repeat: tz must be an IANA time zone name such as 'Europe/Paris'; got ${JSON.stringify(r.tz)}`,
    );
  }
  const checked: RepeatRule = r.tz === undefined ? { cron: r.cron } : { cron: r.cron, tz: r.tz };
  try {
    // a rule that never fires (30 February) is as wrong as one that does not parse
    if (nextDue(checked, 0) === undefined) throw new Error('it never fires');
  } catch (err) {
    const field = /timezone/i.test((err as Error).message) ? 'tz' : 'cron';
    throw new ConfigError(
      `repeat: ${field} ${JSON.stringify(field === 'tz' ? r.tz : r.cron)} is not valid: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return checked;
}

/**
 * The first time after `after` (ms since the epoch) the rule fires; for a period, the next tick of
 * the phase set by `from` (the previous due time), so that after downtime it fires once and keeps
 * its cadence. Undefined when a cron rule never fires again.
 */
export function nextDue(rule: RepeatRule, after: number, from?: number): number | undefined {
  if ('everyMs' in rule) {
    if (from === undefined || from > after) return after + rule.everyMs;
    return from + rule.everyMs * (Math.floor((after - from) / rule.everyMs) + 1);
  }
  const cron = new Cron(rule.cron, { paused: true, ...(rule.tz ? { timezone: rule.tz } : {}) });
  return cron.nextRun(new Date(after))?.getTime();
}
