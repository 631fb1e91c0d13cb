import { Packr } from 'msgpackr';

/**
 * The one MessagePack configuration used for everything Troupe stores: plain maps and arrays (no
 * msgpackr records), so any MessagePack library in any language can read and write them.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  // other languages write int64/uint64 for ordinary integers (Python does past 2^32); a BigInt
  // would break handlers doing arithmetic, so read them as numbers (exact up to 2^53)
  int64AsType: 'number',
});

export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
