// @ts-check
// The dashboard's API, with the token the page asked for (kept for this browser session).
const KEY = 'troupe-dashboard-token';

/** The server refused the token (or there was none): the page asks for it. */
export class Unauthorized extends Error {}

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

function headers(extra = {}) {
  const t = token.get();
  return t ? { authorization: `Bearer ${t}`, ...extra } : extra;
}

async function answer(res) {
  const body = await res.json().catch(() => null);
  if (res.status === 401) throw new Unauthorized(body?.error?.message ?? 'unauthorized');
  if (!res.ok || !body?.ok) throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
  return body;
}

/** GET api/<path> as JSON. */
export async function get(path) {
  return answer(await fetch(`api/${path}`, { headers: headers() }));
}

/** POST a JSON body to api/<path>. */
export async function post(path, body = {}) {
  return answer(
    await fetch(`api/${path}`, {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    }),
  );
}

/**
 * Follows the live stream: server-sent events read over fetch (EventSource cannot send the token in
 * a header). Reconnects after a drop; `state` hears 'live', 'reconnecting' or 'unauthorized'.
 * Returns a function that stops it.
 */
export function follow(onUpdate, state) {
  const ctrl = new AbortController();
  (async () => {
    while (!ctrl.signal.aborted) {
      try {
        const res = await fetch('api/live', { headers: headers(), signal: ctrl.signal });
        if (res.status === 401) return state('unauthorized');
        if (!res.ok || !res.body) throw new Error(`live stream: ${res.status}`);
        state('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).replace(/^ /, ''))
              .join('\n');
            if (data) onUpdate(JSON.parse(data));
          }
        }
      } catch {
        if (ctrl.signal.aborted) return;
      }
      state('reconnecting');
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return () => ctrl.abort();
}
