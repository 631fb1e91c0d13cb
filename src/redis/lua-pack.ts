/**
 * MessagePack for Redis's Lua `cmsgpack.unpack`, which predates the bin types: it refuses them
 * ("Bad data format"). Bytes are therefore written as MessagePack strings, which Lua takes as the
 * byte strings they are. Only what the scripts' arguments need: integers, floats, strings, bytes,
 * arrays and string-keyed maps. (The envelope codec, protocol/codec.ts, writes bin as it should:
 * its readers are MessagePack libraries, not Redis's Lua.)
 */
export type LuaValue = number | string | Buffer | boolean | null | LuaValue[] | { [k: string]: LuaValue };

const KEY_BYTES = new Map<string, Buffer>();

/** Appends MessagePack values to one growing buffer; each `pack` returns a view of its bytes. */
export class LuaPacker {
  // small enough to come from Node's buffer pool: most commits pack a few hundred bytes
  private buf = Buffer.allocUnsafe(1024);
  private at = 0;
  /** Where the value being packed starts. */
  private begin = 0;

  /** The bytes of one value: a view into this packer's memory, valid as long as the packer. */
  pack(value: LuaValue): Buffer {
    this.begin = this.at;
    this.value(value);
    return this.buf.subarray(this.begin, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    // views handed out keep the old memory; only the value being packed moves to the new one
    const partial = this.at - this.begin;
    const next = Buffer.allocUnsafe(Math.max(4096, 2 * (partial + n)));
    this.buf.copy(next, 0, this.begin, this.at);
    this.buf = next;
    this.begin = 0;
    this.at = partial;
  }

  private value(v: LuaValue): void {
    if (typeof v === 'number') this.number(v);
    else if (typeof v === 'string') {
      const len = Buffer.byteLength(v);
      this.strHeader(len);
      this.buf.write(v, this.at);
      this.at += len;
    } else if (Buffer.isBuffer(v)) {
      this.strHeader(v.length);
      v.copy(this.buf, this.at);
      this.at += v.length;
    } else if (Array.isArray(v)) {
      this.header(v.length, 0x90, 0xdc);
      for (const x of v) this.value(x);
    } else if (v === null) this.byte(0xc0);
    else if (typeof v === 'boolean') this.byte(v ? 0xc3 : 0xc2);
    else {
      const keys = Object.keys(v);
      this.header(keys.length, 0x80, 0xde);
      for (const k of keys) {
        this.key(k);
        this.value(v[k]!);
      }
    }
  }

  /** A map key: field names repeat in every map, so their bytes are made once. */
  private key(k: string): void {
    let bytes = KEY_BYTES.get(k);
    if (!bytes) {
      const p = new LuaPacker();
      bytes = Buffer.from(p.pack(k));
      KEY_BYTES.set(k, bytes);
    }
    this.room(bytes.length);
    bytes.copy(this.buf, this.at);
    this.at += bytes.length;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  private number(n: number): void {
    this.room(9);
    if (Number.isInteger(n) && n >= 0 && n < 128) this.buf[this.at++] = n;
    else if (Number.isInteger(n) && n < 0 && n >= -32) this.buf[this.at++] = n & 0xff;
    else if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) {
      this.buf[this.at++] = 0xd2;
      this.at = this.buf.writeInt32BE(n, this.at);
    } else {
      // integers past 32 bits (times in ms) are exact in a double, and Lua numbers are doubles
      this.buf[this.at++] = 0xcb;
      this.at = this.buf.writeDoubleBE(n, this.at);
    }
  }

  /** A string header for `len` bytes, with room for the bytes after it (they must be contiguous). */
  private strHeader(len: number): void {
    this.room(5 + len);
    if (len < 32) this.buf[this.at++] = 0xa0 | len;
    else if (len < 0x100) {
      this.buf[this.at++] = 0xd9;
      this.buf[this.at++] = len;
    } else if (len < 0x10000) {
      this.buf[this.at++] = 0xda;
      this.at = this.buf.writeUInt16BE(len, this.at);
    } else {
      this.buf[this.at++] = 0xdb;
      this.at = this.buf.writeUInt32BE(len, this.at);
    }
  }

  /** An array or map header: fix form under 16 entries, else the 16- or 32-bit form. */
  private header(n: number, fix: number, wide: number): void {
    this.room(5);
    if (n < 16) this.buf[this.at++] = fix | n;
    else if (n < 0x10000) {
      this.buf[this.at++] = wide;
      this.at = this.buf.writeUInt16BE(n, this.at);
    } else {
      this.buf[this.at++] = wide + 1;
      this.at = this.buf.writeUInt32BE(n, this.at);
    }
  }
}
