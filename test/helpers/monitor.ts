import { connect } from 'node:net';

/** One command Redis ran, as MONITOR reports it. */
export interface Seen {
  cmd: string;
  args: string[];
  /** `lua` for a command run inside a script, else the client's address. */
  source: string;
}

/** The quoted words of a MONITOR line (`"set" "k" "v\x00"`), unescaped. */
function words(quoted: string): string[] {
  const out: string[] = [];
  for (const m of quoted.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    out.push(
      m[1]!.replace(/\\x([0-9a-f]{2})|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) =>
        hex !== undefined
          ? String.fromCharCode(parseInt(hex, 16))
          : ({ n: '\n', r: '\r', t: '\t' }[ch!] ?? ch!),
      ),
    );
  }
  return out;
}

/**
 * Records every command Redis executes, those run inside Lua scripts included, over a plain socket:
 * ioredis's own MONITOR can fail with "Command queue state error" when a line arrives with its
 * `+OK` (taskforcesh/bullmq#2505), which made a traffic test flaky.
 */
export async function monitor(url: string): Promise<{ seen: Seen[]; stop: () => void }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const seen: Seen[] = [];
  let buffer = '';
  let ok: () => void;
  const started = new Promise<void>((resolve) => (ok = resolve));
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      if (line === '+OK') ok();
      // +<time> [<db> <source>] "cmd" "arg" ...
      const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
      if (!m) continue;
      const [cmd = '', ...args] = words(m[2]!);
      seen.push({ cmd: cmd.toLowerCase(), args, source: m[1]! });
    }
  });
  socket.on('error', () => undefined);
  socket.write('MONITOR\r\n');
  await started;
  return { seen, stop: () => socket.destroy() };
}
