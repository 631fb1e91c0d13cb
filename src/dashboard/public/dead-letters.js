// @ts-check
// Dead letters, newest first, with filters and Retry / Purge (one, or all that match).
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api.js';
import { Confirm } from './confirm.js';
import { html, num, stamp } from './html.js';

const firstLine = (s) => s.split('\n')[0];

export function DeadLetters({ info, onOpen }) {
  const [type, setType] = useState('');
  const [reason, setReason] = useState('');
  const [list, setList] = useState({ items: [], more: false, reasons: [] });
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [ask, setAsk] = useState(null);
  // the stream says when dead letters come or go: their count and the newest id
  const version = `${info.deadLetters.count} ${info.deadLetters.newest[0]?.id ?? ''}`;

  const reload = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (type) q.set('type', type);
    if (reason) q.set('reason', reason);
    try {
      setList(await get(`dead-letters?${q}`));
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };
  useEffect(() => void reload(), [type, reason, version]);

  const act = async (action, body, what) => {
    try {
      const { count } = await post(`dead-letters/${action}`, body);
      setNotice(`${action === 'retry' ? 'Retried' : 'Purged'} ${num(count)} ${what}`);
      await reload();
    } catch (err) {
      setError(err.message);
    }
  };
  const filter = { all: true, ...(type ? { type } : {}), ...(reason ? { reason } : {}) };
  const matching = `${type ? `of type ${type}` : 'of every type'}${reason ? ` with reason ${reason}` : ''}`;

  return html`<section id="dead-letters" aria-labelledby="dead-h">
    <h2 id="dead-h">Dead letters <span class="count">${num(info.deadLetters.count)}</span></h2>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label
        >Type
        <select value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
          <option value="">all types</option>
          ${info.types.map((t) => html`<option value=${t.type}>${t.type}</option>`)}
        </select>
      </label>
      <label
        >Reason
        <select value=${reason} onChange=${(e) => setReason(e.currentTarget.value)}>
          <option value="">all reasons</option>
          ${list.reasons.map((r) => html`<option value=${r}>${r}</option>`)}
        </select>
      </label>
      <button
        type="button"
        disabled=${list.items.length === 0}
        onClick=${() =>
          setAsk({
            title: 'Retry all matching dead letters?',
            text: `Every dead letter ${matching} goes back to its actor's mailbox.`,
            action: 'Retry all',
            run: () => act('retry', filter, `dead letters ${matching}`),
          })}
      >
        Retry all matching
      </button>
      <button
        type="button"
        class="danger"
        disabled=${list.items.length === 0}
        onClick=${() =>
          setAsk({
            title: 'Purge all matching dead letters?',
            text: `Every dead letter ${matching} is deleted for good.`,
            action: 'Purge all',
            run: () => act('purge', filter, `dead letters ${matching}`),
          })}
      >
        Purge all matching
      </button>
    </form>
    ${notice && html`<p role="status" class="notice">${notice}</p>`}
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${
      list.items.length === 0
        ? html`<p class="empty">No dead letter ${type || reason ? 'matches the filter' : ''}.</p>`
        : html`<div class="scroll">
            <table class="dead">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Method</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Error</th>
                  <th scope="col" class="n">Attempts</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${list.items.map(
                  (d) =>
                    html`<tr key=${d.id} data-dead-letter=${d.id}>
                      <td><time>${stamp(d.at)}</time></td>
                      <td>
                        <a href="#actor" onClick=${() => onOpen(d.actor)}>${d.actor}</a
                        >${d.held ? html` <span class="state paused">held</span>` : ''}
                      </td>
                      <td>${d.method ?? '—'}</td>
                      <td>${d.reason}</td>
                      <td class="error-text">
                        <details>
                          <summary>${firstLine(d.error)}</summary>
                          <pre>${d.error}</pre>
                        </details>
                      </td>
                      <td class="n">${d.attempts}</td>
                      <td class="actions">
                        <button
                          type="button"
                          onClick=${() => act('retry', { ids: [d.id] }, `dead letter of ${d.actor}`)}
                        >
                          Retry
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick=${() =>
                            setAsk({
                              title: 'Purge this dead letter?',
                              text: `The message to ${d.actor} (${d.method ?? 'undecodable'}) is deleted for good.`,
                              action: 'Purge',
                              run: () => act('purge', { ids: [d.id] }, `dead letter of ${d.actor}`),
                            })}
                        >
                          Purge
                        </button>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${list.more && html`<p class="muted">Showing the newest 100: narrow the filter to see older ones.</p>`}
    <${Confirm} ask=${ask} done=${() => setAsk(null)} />
  </section>`;
}
