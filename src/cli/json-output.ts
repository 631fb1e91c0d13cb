/**
 * Renders a reply as one line of JSON. Replies come back through MessagePack, which can yield
 * values JSON.stringify rejects (bigint) or flattens to nothing (undefined, Map, Set), so map those first.
 */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (v instanceof Map) return Object.fromEntries(v as Map<unknown, unknown>) as unknown;
      if (v instanceof Set) return [...(v as Set<unknown>)];
      return v;
    }) ?? 'null'
  );
}
