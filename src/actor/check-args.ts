import { arityError } from './arity.ts';
import type { RegisteredActor } from './registry.ts';
import { validateArgs } from './schema.ts';

/**
 * Checks a message's arguments against its handler, for every path a message takes (the typed
 * client, the HTTP ingress, the worker): against the handler's schema when it has one — the schema
 * is the contract then, optional elements included — else against the number of parameters the
 * handler declares. Returns the arguments the handler gets (a schema's output), or what is wrong,
 * naming `type.method`.
 */
export function checkArgs(
  entry: RegisteredActor,
  method: string,
  args: unknown[],
): { ok: true; args: unknown[] } | { ok: false; error: string } {
  const schema = entry.schemas.get(method);
  if (schema) {
    const checked = validateArgs(schema, args);
    return checked.ok ? checked : { ok: false, error: `${entry.type}.${method}: ${checked.error}` };
  }
  const arity = entry.arity.get(method);
  const error = arity && arityError(entry.type, method, arity, args.length);
  return error ? { ok: false, error } : { ok: true, args };
}
