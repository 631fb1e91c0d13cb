/** Reading the replies Redis gives as flat arrays and pipelines. */

type Result = [Error | null, unknown][];

/** Reads a pipeline's replies in order, throwing the first error. */
export function replies(res: Result | null): () => unknown {
  let i = 0;
  return () => {
    const r = res?.[i++];
    if (!r) throw new Error('missing pipeline reply');
    if (r[0]) throw r[0];
    return r[1];
  };
}

/** A hash as HGETALL inside a script (or XRANGE) returns it: `[field, value, ...]`. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
