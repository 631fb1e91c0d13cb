// @ts-check
import { useState } from 'preact/hooks';
import { post } from './api.js';
import { html, num } from './html.js';

const ms = (t, k) => (t.turnMs ? `≤ ${num(t.turnMs[k], 1)} ms` : '—');

/** Each actor type: its actors, mail, dead letters, turn times, and Pause / Resume. */
export function Types({ info }) {
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const act = async (type, action) => {
    setBusy(type);
    setError('');
    try {
      await post(`types/${encodeURIComponent(type)}/${action}`);
    } catch (err) {
      setError(`${action} ${type}: ${err.message}`);
    } finally {
      setBusy('');
    }
  };
  return html`<section id="types" aria-labelledby="types-h">
    <h2 id="types-h">Types <span class="count">${info.types.length}</span></h2>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${
      info.types.length === 0
        ? html`<p class="empty">No actor type yet: none has committed a turn.</p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col" class="n">Actors</th>
                  <th scope="col" class="n">With mail</th>
                  <th scope="col" class="n">Mail waiting</th>
                  <th scope="col" class="n">Dead letters</th>
                  <th scope="col" class="n">Turns</th>
                  <th scope="col" class="n">p50</th>
                  <th scope="col" class="n">p90</th>
                  <th scope="col" class="n">p99</th>
                  <th scope="col">State</th>
                  <th scope="col"><span class="sr-only">Action</span></th>
                </tr>
              </thead>
              <tbody>
                ${info.types.map(
                  (t) =>
                    html`<tr key=${t.type} data-type=${t.type}>
                      <th scope="row">${t.type}</th>
                      <td class="n">${num(t.actors)}</td>
                      <td class="n">${num(t.actorsWithMail)}</td>
                      <td class="n">${num(t.mailbox)}</td>
                      <td class="n">${num(t.deadLetters)}</td>
                      <td class="n">${num(t.turns)}</td>
                      <td class="n">${ms(t, 'p50')}</td>
                      <td class="n">${ms(t, 'p90')}</td>
                      <td class="n">${ms(t, 'p99')}</td>
                      <td>
                        <span class="state ${t.paused ? 'paused' : 'running'}"
                          >${t.paused ? 'paused' : 'running'}</span
                        >
                      </td>
                      <td>
                        ${
                          t.paused
                            ? html`<button
                                type="button"
                                disabled=${busy === t.type}
                                onClick=${() => act(t.type, 'resume')}
                              >
                                Resume
                              </button>`
                            : html`<button
                                type="button"
                                disabled=${busy === t.type}
                                onClick=${() => act(t.type, 'pause')}
                              >
                                Pause
                              </button>`
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}
