/**
 * How a secondary index entry is written (docs/indexes.md "Layout"). Every field of a type has one
 * sorted set per partition whose members all have score 0 and sort by their bytes: the value's
 * encoding, then the actor id. So equality and ranges over numbers and strings are lex ranges, and
 * a page ends at a member the next page starts after.
 *
 * - a number: `n` + 8 bytes (the IEEE double, big-endian, sign bit flipped; all bits flipped for a
 *   negative number), so bytes sort as numbers do;
 * - a string: `s` + its UTF-8 bytes + NUL (strings may not hold NUL), so strings sort by code point;
 * - a boolean: `b` + 0x00 (false) or 0x01 (true).
 *
 * An id is UTF-8 and never holds the byte 0xff, which bounds "every member with this value".
 */
import { ProtocolError } from '../errors.ts';
import { packStowed, unpackStowed } from './log.ts';

/** What an index function may return; `undefined` and `null` leave the actor out of that index. */
export type IndexValue = string | number | boolean;

/** A condition on one field: a value (equality) or a range. */
export type IndexCondition =
  IndexValue | { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string };

const TAG_NUMBER = 0x6e; // n
const TAG_STRING = 0x73; // s
const TAG_BOOLEAN = 0x62; // b
const AFTER_ID = Buffer.from([0xff]);

/** The bytes a value is indexed under (without the id), or an error saying what is wrong with it. */
export function encodeIndexValue(value: unknown): Buffer | string {
  switch (typeof value) {
    case 'number': {
      if (Number.isNaN(value)) return 'NaN cannot be indexed';
      const out = Buffer.alloc(9);
      out[0] = TAG_NUMBER;
      out.writeDoubleBE(value === 0 ? 0 : value, 1);
      if (value < 0) for (let i = 1; i < 9; i++) out[i] = ~out[i]! & 0xff;
      else out[1] = out[1]! ^ 0x80;
      return out;
    }
    case 'string':
      if (value.includes('\0')) return 'a string holding NUL cannot be indexed';
      return Buffer.concat([Buffer.from([TAG_STRING]), Buffer.from(value, 'utf8'), Buffer.from([0])]);
    case 'boolean':
      return Buffer.from([TAG_BOOLEAN, value ? 1 : 0]);
    default:
      return `a ${value === null ? 'null' : typeof value} cannot be indexed (use a string, number or boolean; undefined or null leaves the actor out)`;
  }
}

/** The value an encoding stands for, and the id after it: for `troupe migrate` and tests. */
export function decodeIndexMember(member: Buffer): { value: IndexValue; id: string } {
  const tag = member[0];
  if (tag === TAG_NUMBER && member.length >= 9) {
    const bytes = Buffer.from(member.subarray(1, 9));
    if (bytes[0]! & 0x80) bytes[0] = bytes[0]! ^ 0x80;
    else for (let i = 0; i < 8; i++) bytes[i] = ~bytes[i]! & 0xff;
    return { value: bytes.readDoubleBE(0), id: member.subarray(9).toString() };
  }
  if (tag === TAG_BOOLEAN && member.length >= 2) {
    return { value: member[1] === 1, id: member.subarray(2).toString() };
  }
  const nul = member.indexOf(0, 1);
  if (tag === TAG_STRING && nul > 0) {
    return { value: member.subarray(1, nul).toString(), id: member.subarray(nul + 1).toString() };
  }
  throw new ProtocolError(`not an index entry: ${member.toString('hex')}`);
}

/** A lex range over a field's sorted set: bounds as ZRANGE BYLEX takes them (`[`/`(` + bytes, or `-`/`+`). */
export interface LexRange {
  min: Buffer;
  max: Buffer;
}

const lexBound = (inclusive: boolean, bytes: Buffer) =>
  Buffer.concat([Buffer.from(inclusive ? '[' : '('), bytes]);

/**
 * The members that meet `cond`: an equality (a value) or a range with any of gt, gte, lt, lte, all
 * of one kind (numbers or strings). Throws a TypeError naming what is wrong with the condition.
 */
export function conditionRange(field: string, cond: IndexCondition): LexRange {
  if (typeof cond !== 'object' || cond === null) {
    const enc = encodeIndexValue(cond);
    if (typeof enc === 'string') throw new TypeError(`where.${field}: ${enc}`);
    return { min: lexBound(true, enc), max: lexBound(false, Buffer.concat([enc, AFTER_ID])) };
  }
  const bounds = Object.entries(cond);
  const known = new Set(['gt', 'gte', 'lt', 'lte']);
  const unknown = bounds.find(([k]) => !known.has(k));
  if (unknown) throw new TypeError(`where.${field}.${unknown[0]}: not a range bound (use gt, gte, lt, lte)`);
  const defined = bounds.filter(([, v]) => v !== undefined);
  if (defined.length === 0)
    throw new TypeError(`where.${field}: give a value or at least one of gt, gte, lt, lte`);
  const kinds = new Set(defined.map(([, v]) => typeof v));
  const kind = [...kinds][0];
  if (kinds.size > 1 || (kind !== 'number' && kind !== 'string')) {
    throw new TypeError(`where.${field}: range bounds must all be numbers or all strings`);
  }
  const tag = kind === 'number' ? TAG_NUMBER : TAG_STRING;
  let min: Buffer = Buffer.from([0x5b, tag]); // '[' + tag: every value of the kind
  let max: Buffer = Buffer.from([0x28, tag + 1]); // '(' + the next tag
  const encoded = (v: unknown) => {
    const enc = encodeIndexValue(v);
    if (typeof enc === 'string') throw new TypeError(`where.${field}: ${enc}`);
    // a string's encoding ends with NUL: "greater than 'ab'" starts after 'ab\0' + any id
    return kind === 'string' ? enc.subarray(0, enc.length - 1) : enc;
  };
  const withId = (enc: Buffer) => (kind === 'string' ? Buffer.concat([enc, Buffer.from([0])]) : enc);
  const pick = (a: Buffer, b: Buffer, larger: boolean) => {
    const c = Buffer.compare(a.subarray(1), b.subarray(1));
    return (larger ? c >= 0 : c <= 0) ? a : b;
  };
  if (cond.gte !== undefined) min = pick(min, lexBound(true, encoded(cond.gte)), true);
  if (cond.gt !== undefined) {
    min = pick(min, lexBound(false, Buffer.concat([withId(encoded(cond.gt)), AFTER_ID])), true);
  }
  if (cond.lt !== undefined) max = pick(max, lexBound(false, encoded(cond.lt)), false);
  if (cond.lte !== undefined) {
    max = pick(max, lexBound(false, Buffer.concat([withId(encoded(cond.lte)), AFTER_ID])), false);
  }
  return { min, max };
}

/** Whether `member` (value encoding + id) lies in `range`. */
export function inRange(member: Buffer, range: LexRange): boolean {
  const above = Buffer.compare(member, range.min.subarray(1));
  if (range.min[0] === 0x5b ? above < 0 : above <= 0) return false;
  const below = Buffer.compare(member, range.max.subarray(1));
  return range.max[0] === 0x5b ? below <= 0 : below < 0;
}

/**
 * An actor's directory record: its indexed fields and their encodings, as stowed entries (field,
 * encoding, field, encoding …), leaving out fields with no value. commit.lua packs the same bytes.
 */
export function indexRecord(fields: readonly (readonly [string, Buffer])[]): Buffer {
  const entries: Uint8Array[] = [];
  for (const [field, enc] of fields) if (enc.length > 0) entries.push(Buffer.from(field), enc);
  return packStowed(entries);
}

/** The fields and encodings of a directory record. */
export function readIndexRecord(record: Buffer): Map<string, Buffer> {
  const entries = unpackStowed(record);
  const out = new Map<string, Buffer>();
  for (let i = 0; i + 1 < entries.length; i += 2) out.set(entries[i]!.toString(), entries[i + 1]!);
  return out;
}
