import { encodeIndexValue } from '../protocol/index-entry.ts';
import type { RegisteredActor } from './registry.ts';

const NONE: readonly (Buffer | undefined)[] = [];

/**
 * The encodings of a context's index values, one per field of the type (undefined: not indexed).
 * Throws a TypeError naming the field whose value cannot be indexed; a throwing index function's
 * error passes through.
 */
export function indexEncodings(entry: RegisteredActor, ctx: unknown): readonly (Buffer | undefined)[] {
  const fields = entry.indexes;
  if (fields.length === 0) return NONE;
  return fields.map(({ name, value }) => {
    const v = value(ctx);
    if (v === undefined || v === null) return undefined;
    const enc = encodeIndexValue(v);
    if (typeof enc === 'string') throw new TypeError(`static indexes.${name} of ${entry.type}: ${enc}`);
    return enc;
  });
}
