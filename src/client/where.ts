/**
 * A query's `where`, checked against the type's indexes and turned into one lex range per field.
 */
import type { ActorClass } from '../actor/types.ts';
import { ConfigError } from '../errors.ts';
import { conditionRange, type IndexCondition, type LexRange } from '../protocol/index-entry.ts';

type IndexesOf<C> = C extends { indexes?: infer I } ? NonNullable<I> : never;
type ValueOf<F> = F extends (ctx: never) => infer V ? NonNullable<V> : never;
type RangeBound<V> = V extends number ? number : V extends string ? string : never;

/** A condition on one index: its value, or a range over numbers or strings. */
export type Condition<V = string | number | boolean> =
  V | { gt?: RangeBound<V>; gte?: RangeBound<V>; lt?: RangeBound<V>; lte?: RangeBound<V> };

/**
 * Conditions on the indexes of actor class `C` (`static indexes`), all of which an actor meets to
 * be found (AND). A value is an equality; `{ gte, lt, … }` a range over numbers, or over strings
 * by code point.
 *
 * @example
 * ```ts
 * const where: Where<typeof Order> = { status: 'late', total: { gte: 100, lt: 500 } };
 * ```
 */
export type Where<C = ActorClass> = {
  [K in keyof IndexesOf<C> & string]?: Condition<ValueOf<IndexesOf<C>[K]>>;
};

/** One field's condition as a lex range over its sorted sets. */
export interface FieldRange {
  field: string;
  range: LexRange;
  /** An equality: the actor's place in the set does not move while it matches. */
  equality: boolean;
}

/**
 * The ranges of `where`. With `known` (the type's index fields, when the class is at hand), a
 * field that is not an index is an error naming those that are.
 */
export function planWhere(type: string, where: object | undefined, known?: readonly string[]): FieldRange[] {
  if (where === undefined) return [];
  if (typeof where !== 'object' || where === null || Array.isArray(where)) {
    throw new ConfigError(`where must be an object of index fields, e.g. { where: { status: 'late' } }`);
  }
  const out: FieldRange[] = [];
  for (const [field, cond] of Object.entries(where)) {
    if (cond === undefined) continue;
    if (known && !known.includes(field)) {
      throw new ConfigError(
        `${type} has no index "${field}" (its indexes: ${known.join(', ') || 'none'}); ` +
          'add it to static indexes, then run `troupe reindex ' +
          type +
          '`',
      );
    }
    try {
      out.push({
        field,
        range: conditionRange(field, cond as IndexCondition),
        equality: typeof cond !== 'object' || cond === null,
      });
    } catch (err) {
      throw new ConfigError((err as Error).message, { cause: err });
    }
  }
  return out;
}
