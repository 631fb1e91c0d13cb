// @ts-check
// One actor: its context (folded as read() does), newest segments, mail waiting and a time slider
// over what merges retain (read({ at })); and a search of a type's actors by its indexes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api.js';
import { html, num, stamp } from './html.js';

const json = (v) => JSON.stringify(v, null, 2);

function parseAddress(text) {
  const at = text.indexOf('/');
  if (at <= 0 || at === text.length - 1) return null;
  return { type: text.slice(0, at), id: text.slice(at + 1) };
}

/** The times the slider spans: from what `read({ at })` can answer for to the newest segment. */
function span(report) {
  const times = report.last.map((s) => s.ts).filter((t) => t !== null);
  const newest = Math.max(report.base.ts ?? 0, ...times);
  const oldest = report.timeTravel.ts ?? Math.min(...times, newest);
  return { oldest, newest };
}

function Slider({ report, address }) {
  const { oldest, newest } = span(report);
  const [at, setAt] = useState(newest);
  const [asOf, setAsOf] = useState(null);
  const [error, setError] = useState('');
  const timer = useRef(0);
  useEffect(() => {
    setAt(newest);
    setAsOf(null);
  }, [report]);
  if (report.context === null || newest <= oldest) return null;
  const move = (value) => {
    setAt(value);
    clearTimeout(timer.current);
    timer.current = window.setTimeout(async () => {
      try {
        const r = await get(
          `actors/${encodeURIComponent(address.type)}/${encodeURIComponent(address.id)}?at=${value}`,
        );
        setAsOf(r.report);
        setError('');
      } catch (err) {
        setError(err.message);
      }
    }, 150);
  };
  return html`<div class="slider">
    <label for="as-of">As of</label>
    <input
      id="as-of"
      type="range"
      min=${oldest}
      max=${newest}
      step="1"
      value=${at}
      onInput=${(e) => move(Number(e.currentTarget.value))}
    />
    <output for="as-of">${stamp(at)}</output>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${
      asOf &&
      html`<p class="muted">
          As of ${stamp(at)}: ${num(asOf.folded?.segments ?? 0)} segments folded, seq ${asOf.folded?.seq ?? 0}
        </p>
        <pre class="context" aria-label="Context as of">${json(asOf.context)}</pre>`
    }
  </div>`;
}

function Search({ info, onOpen }) {
  const indexed = info.types.filter((t) => t.indexes.length > 0);
  const [type, setType] = useState('');
  const [where, setWhere] = useState('');
  const [found, setFound] = useState(null);
  const [error, setError] = useState('');
  const chosen = type || indexed[0]?.type || '';
  const fields = info.types.find((t) => t.type === chosen)?.indexes ?? [];
  const search = async (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ limit: '100' });
    for (const cond of where.split(/\s+/).filter(Boolean)) q.append('where', cond);
    try {
      setFound(await get(`actors/${encodeURIComponent(chosen)}?${q}`));
      setError('');
    } catch (err) {
      setError(err.message);
      setFound(null);
    }
  };
  if (indexed.length === 0)
    return html`<p class="muted">No type has indexes to search by (static indexes, docs/indexes.md).</p>`;
  return html`<form class="search" onSubmit=${search}>
    <h3>Find actors by their indexes</h3>
    <label
      >Type
      <select value=${chosen} onChange=${(e) => setType(e.currentTarget.value)}>
        ${indexed.map((t) => html`<option value=${t.type}>${t.type}</option>`)}
      </select>
    </label>
    <label
      >Where
      <input
        value=${where}
        onInput=${(e) => setWhere(e.currentTarget.value)}
        placeholder=${`${fields[0] ?? 'field'}=value`}
        aria-describedby="fields"
      />
    </label>
    <button type="submit">Search</button>
    <p id="fields" class="hint">
      Indexed: ${fields.join(', ')}. Conditions like status=paid total>=100, separated by spaces (all must
      hold).
    </p>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${
      found &&
      html`<p>
          ${found.ids.length === 0 ? 'No actor matches.' : `${num(found.ids.length)}${found.truncated ? '+' : ''} found:`}
        </p>
        <ul class="found">
          ${found.ids.map((id) => html`<li key=${id}><button type="button" class="link" onClick=${() => onOpen(`${chosen}/${id}`)}>${id}</button></li>`)}
        </ul>`
    }
  </form>`;
}

export function ActorView({ info, open }) {
  const [text, setText] = useState('');
  const [address, setAddress] = useState(null);
  const [report, setReport] = useState(null);
  const [error, setError] = useState('');

  const show = async (value) => {
    const a = parseAddress(value.trim());
    if (!a) {
      setError('Write the actor as type/id, e.g. order/o-1');
      return;
    }
    try {
      const r = await get(`actors/${encodeURIComponent(a.type)}/${encodeURIComponent(a.id)}`);
      setAddress(a);
      setReport(r.report);
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };
  useEffect(() => {
    if (!open) return;
    setText(open);
    void show(open);
  }, [open]);

  return html`<section id="actor" aria-labelledby="actor-h">
    <h2 id="actor-h">Actor</h2>
    <form
      class="open"
      onSubmit=${(e) => {
        e.preventDefault();
        void show(text);
      }}
    >
      <label for="actor-box">Actor</label>
      <input
        id="actor-box"
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
        placeholder="type/id"
        autocomplete="off"
        spellcheck=${false}
      />
      <button type="submit">Open</button>
      ${report && html`<button type="button" onClick=${() => show(text)}>Reload</button>`}
    </form>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${
      report &&
      html`<article class="actor" aria-label=${`${report.type}/${report.id}`}>
        <h3>${report.type}/${report.id}</h3>
        <dl class="facts">
          <dt>Mail waiting</dt>
          <dd>${num(report.mailbox)}</dd>
          <dt>Partition</dt>
          <dd>${report.partition} (pool ${report.pool})</dd>
          <dt>Segments</dt>
          <dd>${num(report.log.segments)} after the base (${num(report.log.bytes)} bytes)</dd>
          <dt>Folded</dt>
          <dd>${report.folded ? `seq ${report.folded.seq}, ${stamp(report.folded.ts)}` : '—'}</dd>
          <dt>State</dt>
          <dd>
            ${report.running ? 'running a turn' : report.log.exists ? 'idle' : 'no log'}${report.mergeDue ? ', merge due' : ''}
          </dd>
          ${
            report.indexed &&
            html`<dt>Indexed</dt>
              <dd>
                ${Object.entries(report.indexed)
                  .map(([f, v]) => `${f}=${v}`)
                  .join(', ')}
              </dd>`
          }
        </dl>
        ${report.note && html`<p class="muted">${report.note}</p>`}
        ${
          report.schedules.length > 0 &&
          html`<h4>Repeats</h4>
            <ul class="repeats">
              ${report.schedules.map((r) => {
                const rule =
                  'everyMs' in r.rule
                    ? `every ${num(r.rule.everyMs)} ms`
                    : `cron ${r.rule.cron} (${r.rule.tz ?? 'UTC'})`;
                const text = `: ${r.method}, ${rule}, next `;
                return html`<li key=${r.name}>
                  <strong>${r.name}</strong>${text}<time>${stamp(r.next)}</time>
                </li>`;
              })}
            </ul>`
        }
        <h4>Context</h4>
        <pre class="context" aria-label="Context">${json(report.context ?? report.base.ctx)}</pre>
        <${Slider} report=${report} address=${address} />
        <h4>Newest segments</h4>
        ${
          report.last.length === 0
            ? html`<p class="empty">None after the base.</p>`
            : html`<div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col" class="n">Seq</th>
                      <th scope="col">Time</th>
                      <th scope="col" class="n">Bytes</th>
                      <th scope="col">Segment</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${[...report.last].reverse().map(
                      (s) =>
                        html`<tr key=${s.index}>
                          <td class="n">${s.seq ?? '?'}</td>
                          <td><time>${stamp(s.ts)}</time></td>
                          <td class="n">${s.bytes}</td>
                          <td><code>${s.error ? `unreadable: ${s.error}` : JSON.stringify(s.seg)}</code></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </article>`
    }
    <${Search}
      info=${info}
      onOpen=${(a) => {
        setText(a);
        void show(a);
      }}
    />
  </section>`;
}
