// @ts-check
// The dashboard page: asks for the token when the server wants one, loads a snapshot, then follows
// the live stream. Each view is its own module.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { follow, get, token, Unauthorized } from './api.js';
import { ActorView } from './actor.js';
import { DeadLetters } from './dead-letters.js';
import { html } from './html.js';
import { Load } from './load.js';
import { Types } from './types.js';
import { Workers } from './workers.js';

/** The charts keep this much history in the page (the server keeps its own). */
const KEEP_MS = 30 * 60_000;

function SignIn({ error, onToken }) {
  const submit = (e) => {
    e.preventDefault();
    const value = new FormData(e.currentTarget).get('token');
    onToken(typeof value === 'string' ? value.trim() : '');
  };
  return html`<main class="sign-in">
    <h1>Troupe dashboard</h1>
    <form onSubmit=${submit}>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <button type="submit">Sign in</button>
      <p class="hint">The token the dashboard was started with (--token or TROUPE_DASHBOARD_TOKEN).</p>
      ${error && html`<p role="alert" class="error">${error}</p>`}
    </form>
  </main>`;
}

function App() {
  const [auth, setAuth] = useState({ state: 'checking', error: '' });
  const [data, setData] = useState(null);
  const [status, setStatus] = useState('connecting');
  const [opened, setOpened] = useState('');

  const load = async () => {
    try {
      const snap = await get('snapshot');
      setData({ namespace: snap.namespace, auth: snap.auth, history: snap.history, latest: snap.latest });
      setAuth({ state: 'ok', error: '' });
    } catch (err) {
      if (err instanceof Unauthorized) {
        const tried = token.get() !== '';
        token.clear();
        setAuth({ state: 'needed', error: tried ? err.message : '' });
      } else setAuth({ state: 'failed', error: err.message });
    }
  };
  useEffect(() => void load(), []);

  useEffect(() => {
    if (auth.state !== 'ok') return undefined;
    return follow(
      (update) =>
        setData((d) => ({
          ...d,
          latest: update,
          history: [...d.history, update.sample].filter((s) => s.at >= update.sample.at - KEEP_MS),
        })),
      (s) => {
        setStatus(s);
        if (s === 'unauthorized') setAuth({ state: 'needed', error: 'the token was refused' });
      },
    );
  }, [auth.state]);

  if (auth.state === 'checking') return html`<p class="loading">Loading…</p>`;
  if (auth.state === 'needed') {
    return html`<${SignIn}
      error=${auth.error}
      onToken=${(t) => {
        token.set(t);
        void load();
      }}
    />`;
  }
  if (auth.state === 'failed') return html`<p role="alert" class="error">${auth.error}</p>`;
  const { latest, history, namespace } = data;
  const info = latest.info;
  return html`<header>
      <h1>Troupe <span class="ns">${namespace}</span></h1>
      <nav aria-label="Views">
        <a href="#workers">Workers</a><a href="#load">Load</a><a href="#types">Types</a
        ><a href="#dead-letters">Dead letters</a><a href="#actor">Actor</a>
      </nav>
      <p class="status" role="status" data-state=${status}>
        ${status === 'live' ? 'Live' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
      </p>
    </header>
    <main>
      <${Workers} info=${info} rates=${latest.rates} />
      <${Load} history=${history} />
      <${Types} info=${info} />
      <${DeadLetters} info=${info} onOpen=${setOpened} />
      <${ActorView} info=${info} open=${opened} />
    </main>`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
