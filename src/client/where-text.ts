import { ConfigError } from '../errors.ts';

type Bound = 'gt' | 'gte' | 'lt' | 'lte';
type Cond = string | number | boolean | Partial<Record<Bound, string | number>>;

const OPERATORS: [string, Bound | 'eq'][] = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['>', 'gt'],
  ['<', 'lt'],
  ['=', 'eq'],
];

/**
 * A value as typed in a shell: `true`/`false` are booleans, a number is a number, anything else a
 * string; quotes (`status="123"`) keep a value a string.
 */
export function shellValue(raw: string): string | number | boolean {
  const quoted = /^(["'])(.*)\1$/.exec(raw);
  if (quoted) return quoted[2]!;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/**
 * Conditions as text (`status=late`, `total>=100`, `total<500`: the CLI's `--where` and the HTTP
 * ingress's `?where=`) folded into a `where` object; several on one field make one range.
 */
export function parseWhereText(arg: string, previous: Record<string, Cond> = {}): Record<string, Cond> {
  const at = arg.search(/[<>=]/);
  const field = at > 0 ? arg.slice(0, at).trim() : '';
  const op = OPERATORS.find(([sign]) => arg.startsWith(sign, at));
  if (!field || !op) {
    throw new ConfigError(
      `expected field=value or field>=value (also >, <, <=), e.g. status=late; got "${arg}"`,
    );
  }
  const value = shellValue(arg.slice(at + op[0].length).trim());
  const out = { ...previous };
  const before = out[field];
  if (op[1] === 'eq') {
    if (before !== undefined) throw new ConfigError(`${field} is given twice`);
    out[field] = value;
    return out;
  }
  if (typeof value === 'boolean')
    throw new ConfigError(`${field}${op[0]}: a range needs a number or a string`);
  if (before !== undefined && typeof before !== 'object') {
    throw new ConfigError(`${field} has both a value and a range`);
  }
  out[field] = { ...(before ?? {}), [op[1]]: value };
  return out;
}
