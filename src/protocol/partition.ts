/**
 * The partition function shared with every sender, in any language: `crc32(type + "/" + id) mod P`,
 * with the IEEE CRC-32 of the UTF-8 bytes (zlib's `crc32`, Python's `zlib.crc32`).
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let crc = -1;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const encoder = new TextEncoder();

export function actorKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/** CRC-32 of a string's UTF-8 bytes; ASCII (the usual actor key) is hashed without encoding it. */
export function crc32OfString(s: string): number {
  let crc = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return crc32(encoder.encode(s));
    crc = TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ -1) >>> 0;
}

export function partitionOf(type: string, id: string, partitions: number): number {
  return crc32OfString(actorKey(type, id)) % partitions;
}

/** Log buckets of a namespace, spread over its partitions: at a million idle actors, ~15 each. */
const LOG_BUCKETS = 65_536;

/**
 * The log bucket of an actor within its partition: the CRC bits the partition did not use, so the
 * buckets of a partition fill evenly. Small buckets stay listpack-encoded hashes in Redis.
 */
export function logBucketOf(akey: string, partitions: number): number {
  return Math.floor(crc32OfString(akey) / partitions) % logBucketsPer(partitions);
}

/** How many log buckets each partition of a pool of `partitions` partitions has. */
export function logBucketsPer(partitions: number): number {
  return Math.ceil(LOG_BUCKETS / partitions);
}

/** Directory buckets of one actor type, spread over its pool's partitions: at a million actors, ~61 each. */
const DIR_BUCKETS = 16_384;

/** The directory bucket of an actor within its partition (as logBucketOf, over fewer buckets). */
export function dirBucketOf(akey: string, partitions: number): number {
  return Math.floor(crc32OfString(akey) / partitions) % dirBucketsPer(partitions);
}

/** How many directory buckets each partition of a pool of `partitions` has for each type. */
export function dirBucketsPer(partitions: number): number {
  return Math.ceil(DIR_BUCKETS / partitions);
}
