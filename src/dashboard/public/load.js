// @ts-check
// Load over time: uPlot charts fed by the samples the live stream brings.
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** One chart: `series` names its lines, `points` gives [seconds, ...values] per sample. */
function Chart({ title, unit, series, points }) {
  const box = useRef(null);
  const plot = useRef(null);
  const key = series.join('\u0000');

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    /** @type {import('uplot').Options} */
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: 200,
      legend: { live: false },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => /** @type {[number, number]} */ ([0, Math.max(1, max * 1.1)]) },
      },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2 }))],
    };
    const chart = new uPlot(opts, transpose(points, series.length), el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(280, el.clientWidth), height: 200 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [key]);

  useEffect(() => plot.current?.setData(transpose(points, series.length)), [points]);

  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${`${title}: chart of the last ${points.length} samples`}></div>
  </figure>`;
}

/**
 * uPlot wants one array per series: [xs, ys1, ys2, ...].
 * @returns {import('uplot').AlignedData}
 */
function transpose(points, n) {
  const cols = Array.from({ length: n + 1 }, () => []);
  for (const p of points) for (let i = 0; i <= n; i++) cols[i].push(p[i] ?? null);
  return /** @type {import('uplot').AlignedData} */ (/** @type {unknown} */ (cols));
}

/** Every type named in any sample, sorted. */
function typesIn(history, field) {
  const names = new Set();
  for (const s of history) for (const t of Object.keys(s[field])) names.add(t);
  return [...names].sort();
}

export function Load({ history }) {
  const mailTypes = typesIn(history, 'mailbox');
  const deadTypes = typesIn(history, 'deadLetters');
  const committed = history.map((s) => [s.at / 1000, s.committedPerSec]);
  const mail = history.map((s) => [s.at / 1000, ...mailTypes.map((t) => s.mailbox[t] ?? 0)]);
  const dead = history.map((s) => [s.at / 1000, ...deadTypes.map((t) => s.deadLetters[t] ?? 0)]);
  const since = history[0] ? new Date(history[0].at).toLocaleTimeString([], { hour12: false }) : '';
  return html`<section id="load" aria-labelledby="load-h">
    <h2 id="load-h">Load over time</h2>
    <p class="muted">Since ${since} (the dashboard keeps 30 minutes), one sample every few seconds.</p>
    <div class="charts">
      <${Chart}
        title="Messages committed per second"
        unit="msgs/s"
        series=${['committed']}
        points=${committed}
      />
      <${Chart} title="Mailbox depth per type" unit="messages" series=${mailTypes} points=${mail} />
      <${Chart} title="Dead letters per type" unit="dead letters" series=${deadTypes} points=${dead} />
    </div>
  </section>`;
}
