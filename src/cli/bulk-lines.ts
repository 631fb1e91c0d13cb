import { checkName } from '../redis/keys.ts';
import type { MessageTarget } from './message-command.ts';

/** What one line of `troupe send --stdin` must look like; quoted in every error so the fix is at hand. */
export const LINE_EXAMPLE = '{"type":"counter","id":"c-1","method":"add","args":[5]}';

const FIELDS = new Set(['type', 'id', 'method', 'args']);

/** One decoded line, or why it cannot be sent. */
export type ParsedLine = { ok: true; target: MessageTarget } | { ok: false; error: string };

/**
 * Decodes one line of bulk input: a JSON object with "type", "id", "method" and optionally "args"
 * (a JSON array, default []). `defaultType` (from `troupe send <type> --stdin`) lets lines omit
 * "type". Checks names the way `tell` does, so a line that passes here is refused by nothing but
 * Redis (or a message over maxMessageBytes).
 */
export function parseLine(text: string, defaultType: string | undefined): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    return bad(
      `not valid JSON (${(err as Error).message}); each line must be one JSON object, e.g. ${LINE_EXAMPLE}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(
      `expected a JSON object like ${LINE_EXAMPLE}, got ${Array.isArray(value) ? 'an array' : text.trim()}`,
    );
  }
  const line = value as Record<string, unknown>;
  const unknown = Object.keys(line).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    return bad(
      `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; a line has only type, id, method and args`,
    );
  }
  const type = line.type ?? defaultType;
  if (type === undefined) {
    return bad(
      `missing "type" (the actor type, e.g. "counter"), or give it once on the command line: troupe send counter --stdin`,
    );
  }
  if (typeof type !== 'string')
    return bad(`"type" must be a string, e.g. "counter"; got ${JSON.stringify(type)}`);
  if (defaultType !== undefined && type !== defaultType) {
    return bad(`"type" is "${type}" but the command line says ${defaultType}; drop one of them`);
  }
  const { id, method } = line;
  if (id === undefined) return bad('missing "id" (the actor id, e.g. "c-1")');
  if (typeof id !== 'string' || id === '' || id.includes('\0')) {
    const hint = typeof id === 'number' ? `; write it as a string: "id":"${id}"` : '';
    return bad(`"id" must be a non-empty string without NUL characters; got ${JSON.stringify(id)}${hint}`);
  }
  if (method === undefined) return bad('missing "method" (the handler to call, e.g. "add")');
  if (typeof method !== 'string')
    return bad(`"method" must be a string, e.g. "add"; got ${JSON.stringify(method)}`);
  const args = line.args === undefined ? [] : line.args;
  if (!Array.isArray(args)) {
    return bad(
      `"args" must be a JSON array of the handler's arguments, e.g. "args":[${JSON.stringify(args)}]`,
    );
  }
  try {
    checkName('actor type', type);
    checkName('method', method);
  } catch (err) {
    return bad((err as Error).message);
  }
  return { ok: true, target: { type, id, method, args: args as unknown[] } };
}

function bad(error: string): ParsedLine {
  return { ok: false, error };
}
