/** Polls `check` until it returns true; fails with `what` after timeoutMs. For waiting, never for timing. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let n = 0;
/** A namespace no other test uses. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
}
