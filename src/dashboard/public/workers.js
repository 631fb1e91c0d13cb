// @ts-check
import { clock, html, num } from './html.js';

/** Partition numbers as ranges: 0-3, 7. */
function ranges(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(i === j ? `${list[i]}` : `${list[i]}-${list[j]}`);
    i = j;
  }
  return out.join(', ');
}

/** Live workers and the recent worker events. */
export function Workers({ info, rates }) {
  return html`<section id="workers" aria-labelledby="workers-h">
    <h2 id="workers-h">Workers <span class="count">${info.workers.length}</span></h2>
    ${
      info.workers.length === 0
        ? html`<p class="empty">
            No live worker. Start one: <code>npx troupe worker -n ${info.namespace} -a ./actors.js</code>
          </p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Host</th>
                  <th scope="col">Partitions</th>
                  <th scope="col" class="n">Turns/s</th>
                  <th scope="col" class="n">Busy</th>
                  <th scope="col" class="n">Turns</th>
                  <th scope="col">Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                ${info.workers.map((w) => {
                  const r = rates[w.name] ?? { turnsPerSec: 0, busy: 0 };
                  const age = Math.max(0, (info.at - w.heartbeatAt) / 1000);
                  return html`<tr key=${w.name} data-worker=${w.name}>
                    <th scope="row">${w.name}</th>
                    <td>${w.host} (pid ${w.pid})</td>
                    <td title=${ranges(w.owns)}>
                      ${w.owns.length}${w.owns.length ? `: ${ranges(w.owns)}` : ''}
                    </td>
                    <td class="n">${num(r.turnsPerSec, 1)}</td>
                    <td class="n" title="busy time in all, summed over its concurrent turns">
                      ${num(r.busy * 100)}% · ${num(w.busyMs / 1000, 1)} s
                    </td>
                    <td class="n">
                      ${num(w.turnsSucceeded)}${w.turnsFailed ? html` <span class="bad">(${num(w.turnsFailed)} failed)</span>` : ''}
                    </td>
                    <td>${clock(w.heartbeatAt)} <span class="muted">(${num(age, 1)} s ago)</span></td>
                  </tr>`;
                })}
              </tbody>
            </table>
          </div>`
    }
    <h3>Recent worker events</h3>
    ${
      info.recentEvents.length === 0
        ? html`<p class="empty">None yet.</p>`
        : html`<ol class="events">
            ${info.recentEvents.map(
              (e) =>
                html`<li key=${`${e.at}-${e.worker}-${e.event}`}>
                  <time>${clock(e.at)}</time> <span class="event ${e.event}">${e.event}</span> ${e.worker}
                </li>`,
            )}
          </ol>`
    }
  </section>`;
}
