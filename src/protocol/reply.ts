import { pack, unpack } from './codec.ts';

/** The answer to an ask, pushed onto the asking client's reply list. */
export type Reply =
  | { corr: string; ok: true; value: unknown }
  | { corr: string; ok: false; error: { name: string; message: string; stack?: string } };

export function encodeReply(reply: Reply): Buffer {
  return pack(reply);
}

export function decodeReply(bytes: Uint8Array): Reply {
  return unpack(bytes) as Reply;
}
