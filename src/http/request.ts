import type { ActorRegistry } from '../actor/registry.ts';
import { parseWhereText } from '../client/where-text.ts';
import { checkArgs } from '../actor/check-args.ts';
import { TroupeError } from '../errors.ts';
import { checkName } from '../redis/keys.ts';
import { HttpError } from './errors.ts';

/** One message asked for over HTTP: the actor, the method, the arguments and whether to wait for a reply. */
export interface HttpMessage {
  type: string;
  id: string;
  method: string;
  args: unknown[];
  /** Set for `?ask`: wait for the handler's return value. */
  ask: boolean;
  /** `?timeoutMs=`: how long an ask waits (else the server's default). */
  timeoutMs: number | undefined;
  /** `?ttlMs=`: the message's time to live (else the type's messageTtlMs, if any). */
  ttlMs: number | undefined;
}

const EXAMPLE = 'e.g. [5] for add(5), [] or an empty body for no arguments';

/** Parses the raw body: a JSON array of arguments, `{ "args": [...] }`, or nothing (no arguments). */
export function parseArgs(raw: string | undefined): unknown[] {
  if (raw === undefined || raw.trim() === '') return [];
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw new HttpError(
      400,
      'bad-json',
      `the body is not valid JSON (${(err as Error).message}): send the handler's arguments as a JSON array, ${EXAMPLE}`,
    );
  }
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { args?: unknown }).args)) {
    return (body as { args: unknown[] }).args;
  }
  throw new HttpError(
    400,
    'bad-args',
    `the body must be a JSON array of the handler's arguments, ${EXAMPLE}; got ${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}`,
  );
}

const YES = new Set(['', '1', 'true']);
const NO = new Set(['0', 'false']);

function one(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new HttpError(400, 'bad-query', `give ?${name} at most once`);
  return values[0];
}

/** A query parameter that, when given, is a positive whole number of ms. */
function msParam(query: URLSearchParams, name: string): number | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new HttpError(400, 'bad-query', `?${name} must be a positive whole number of ms; got "${raw}"`);
  }
  return ms;
}

/** Reads `?ask`, `?timeoutMs` and `?ttlMs` from the query string. */
export function parseQuery(query: URLSearchParams): Pick<HttpMessage, 'ask' | 'timeoutMs' | 'ttlMs'> {
  const ask = one(query, 'ask');
  if (ask !== undefined && !YES.has(ask) && !NO.has(ask)) {
    throw new HttpError(400, 'bad-query', `?ask takes no value, 1/true or 0/false; got "${ask}"`);
  }
  return {
    ask: ask !== undefined && YES.has(ask),
    timeoutMs: msParam(query, 'timeoutMs'),
    ttlMs: msParam(query, 'ttlMs'),
  };
}

/**
 * The type, id and method of a path `/actors/<type>/<id>/<method>` (as sent, still percent-encoded).
 * Decoding is strict: a malformed escape is a 400 rather than a name with a literal "%" in it.
 */
export function parseActorPath(pathname: string): Pick<HttpMessage, 'type' | 'id' | 'method'> {
  const [, , type = '', id = '', method = ''] = pathname.split('/');
  try {
    return { type: decodeURIComponent(type), id: decodeURIComponent(id), method: decodeURIComponent(method) };
  } catch {
    throw new HttpError(
      400,
      'bad-url',
      `'${pathname}' is not a valid url component: percent-encode the type, id and method (encodeURIComponent)`,
    );
  }
}

/** Applies the client's name rules, with the error as a 400. */
function checkNames(type: string, id: string, method: string): void {
  try {
    checkName('actor type', type);
    checkName('method', method);
  } catch (err) {
    if (err instanceof TroupeError) throw new HttpError(400, 'bad-name', err.message);
    throw err;
  }
  if (id === '' || id.includes('\0')) {
    throw new HttpError(400, 'bad-name', 'an actor id must be a non-empty string without NUL characters');
  }
}

/**
 * Checks a message before it is sent: the name rules always; with actor classes (`--actors`), that
 * the type and method exist and the arguments pass the handler's schema (or, without one, match
 * its parameters). Without classes an unknown method cannot be known here: the worker
 * dead-letters it (`unknown-method`).
 */
export function checkMessage(msg: HttpMessage, registry: ActorRegistry): void {
  checkNames(msg.type, msg.id, msg.method);
  if (registry.size === 0) return;
  const entry = registry.get(msg.type);
  if (!entry) {
    throw new HttpError(
      400,
      'unknown-type',
      `unknown actor type "${msg.type}": this server knows ${registry.types().sort().join(', ')} (from --actors)`,
    );
  }
  if (!entry.handlers.has(msg.method)) {
    throw new HttpError(
      400,
      'unknown-method',
      `${msg.type} has no handler "${msg.method}": known methods are ${[...entry.handlers].sort().join(', ')}`,
    );
  }
  const checked = checkArgs(entry, msg.method, msg.args);
  if (!checked.ok) throw new HttpError(400, 'invalid-args', `${checked.error}; nothing was sent`);
}

/** Ids `GET /actors/:type` returns at most (and by default, 1,000); `?limit` chooses below that. */
export const MAX_LISTED = 10_000;

/** What `GET /actors/:type` asks: `?where=` conditions (repeated: AND), `?count`, `?limit`. */
export interface ActorsQuery {
  where: Record<string, unknown> | undefined;
  count: boolean;
  limit: number;
}

export function actorsQuery(query: URLSearchParams): ActorsQuery {
  let where: Record<string, unknown> | undefined;
  for (const cond of query.getAll('where')) {
    try {
      where = parseWhereText(cond, where as Parameters<typeof parseWhereText>[1]);
    } catch (err) {
      throw new HttpError(400, 'bad-query', `?where=${cond}: ${(err as Error).message}`);
    }
  }
  const count = one(query, 'count');
  if (count !== undefined && !YES.has(count) && !NO.has(count)) {
    throw new HttpError(400, 'bad-query', `?count takes no value, 1/true or 0/false; got "${count}"`);
  }
  const rawLimit = one(query, 'limit');
  const limit = rawLimit === undefined ? 1_000 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED) {
    throw new HttpError(
      400,
      'bad-query',
      `?limit must be a whole number from 1 to ${MAX_LISTED}; got "${rawLimit}"`,
    );
  }
  return { where, count: count !== undefined && YES.has(count), limit };
}
