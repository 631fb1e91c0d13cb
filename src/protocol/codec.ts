import { Packr } from 'msgpackr';

/**
 * The one MessagePack configuration used for everything Troupe stores: plain maps and arrays (no
 * msgpackr records), so any MessagePack library in any language can read and write them.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, encodeUndefinedAsNil: true });

export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
