/**
 * Charts a benchmark run as one standalone SVG document (no dependencies, no scripts, no external
 * fonts), so it opens in any browser and can be attached to an issue.
 *
 * One panel per scenario and metric: within it a group of horizontal bars per case, one bar per
 * system. The bar is the median of the repetitions, a thin whisker spans min–max, and the median is
 * written beside it. A system keeps its colour in every panel (the legend at the top names them).
 * Bars start at zero on a linear scale, so their lengths compare like the numbers do.
 *
 * The output depends only on the measurements and their order, never on the clock or the locale,
 * so two runs with the same results give the same file.
 *
 * @example
 * ```ts
 * writeFileSync('bench.svg', renderChart(measurements, { title: 'Troupe benchmarks' }));
 * ```
 */
import type { Measurement } from './scenario.ts';

export interface ChartOptions {
  title?: string;
}

const WIDTH = 960;
const MARGIN = 16;
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const TITLE_SIZE = 18;
const PANEL_TITLE_SIZE = 14;
const TEXT_SIZE = 12;
const TICK_SIZE = 10;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const GROUP_GAP = 12;
/** Room right of the longest bar for its value label. */
const VALUE_SPACE = 96;
const LABEL_MIN = 80;
const LABEL_MAX = 240;
const TICKS = 4;

/** Tableau 10: distinct on white and for the common colour-vision deficiencies. */
const PALETTE = [
  '#4E79A7',
  '#F28E2B',
  '#E15759',
  '#76B7B2',
  '#59A14F',
  '#EDC948',
  '#B07AA1',
  '#FF9DA7',
  '#9C755F',
  '#BAB0AC',
];

function colourOf(index: number): string {
  // past ten systems, golden-angle hues keep neighbours apart
  return PALETTE[index] ?? `hsl(${Math.round((index * 137.508) % 360)}, 55%, 48%)`;
}

/** Whether XML 1.0 allows the code point in a document (not C0 controls but tab/LF/CR, nor lone surrogates). */
function xmlAllowed(c: number): boolean {
  if (c < 0x20) return c === 0x09 || c === 0x0a || c === 0x0d;
  return !(c >= 0xd800 && c <= 0xdfff) && c !== 0xfffe && c !== 0xffff;
}

/** Text for XML content and attribute values; characters XML 1.0 forbids become U+FFFD. */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (!xmlAllowed(c)) out += '\uFFFD';
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else out += ch;
  }
  return out;
}

/** Coordinates with two decimals at most: small files, and no 0.30000000000000004 noise. */
function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/**
 * A rough width of sans-serif text. Only used to size the label column and wrap the legend, so an
 * overestimate costs a little white space and never overlaps.
 */
function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.6;
}

function fitText(text: string, size: number, width: number): string {
  if (textWidth(text, size) <= width) return text;
  const chars = [...text];
  const keep = Math.max(1, Math.floor(width / (size * 0.6)) - 1);
  return `${chars.slice(0, keep).join('')}…`;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** About three significant digits, thousands separated; independent of the process locale. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs >= 1000) return `${v < 0 ? '-' : ''}${groupThousands(String(Math.round(abs)))}`;
  if (abs >= 100 || Number.isInteger(v)) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1) return v.toFixed(2);
  if (abs >= 0.001) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}

/** Axis ticks are round numbers: no trailing zeros (50, not 50.0; 2.5, not 2.50). */
function formatTick(v: number): string {
  return Math.abs(v) >= 1000 ? formatValue(v) : String(Number(v.toPrecision(6)));
}

/** A round axis maximum at or above `max`, and its tick step (1, 2, 2.5 or 5 times a power of ten). */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 1 / TICKS };
  const raw = max / TICKS;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * pow;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

interface Panel {
  scenario: string;
  metric: string;
  better: Measurement['better'];
  cases: { name: string; rows: Measurement[] }[];
}

function panelsOf(measurements: readonly Measurement[], systemIndex: Map<string, number>): Panel[] {
  const panels = new Map<string, Panel>();
  for (const m of measurements) {
    const key = JSON.stringify([m.scenario, m.metric]);
    let panel = panels.get(key);
    if (!panel) {
      panel = { scenario: m.scenario, metric: m.metric, better: m.better, cases: [] };
      panels.set(key, panel);
    }
    let group = panel.cases.find((c) => c.name === m.case);
    if (!group) {
      group = { name: m.case, rows: [] };
      panel.cases.push(group);
    }
    group.rows.push(m);
  }
  for (const panel of panels.values()) {
    for (const group of panel.cases) {
      // stable: equal systems keep their input order
      group.rows.sort((a, b) => systemIndex.get(a.system)! - systemIndex.get(b.system)!);
    }
  }
  return [...panels.values()];
}

function finiteOr0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** Renders the measurements as an SVG document (a string starting with `<svg`). */
export function renderChart(measurements: Measurement[], opts: { title?: string } = {}): string {
  const systems: string[] = [];
  const systemIndex = new Map<string, number>();
  for (const m of measurements) {
    if (!systemIndex.has(m.system)) {
      systemIndex.set(m.system, systems.length);
      systems.push(m.system);
    }
  }
  const panels = panelsOf(measurements, systemIndex);
  const body: string[] = [];
  let y = MARGIN;

  const title = opts.title ?? 'Benchmark results';
  body.push(
    `<text x="${MARGIN}" y="${num(y + TITLE_SIZE)}" font-size="${TITLE_SIZE}" font-weight="bold">${escapeXml(fitText(title, TITLE_SIZE, WIDTH - 2 * MARGIN))}</text>`,
  );
  y += TITLE_SIZE + 10;

  if (measurements.length === 0) {
    body.push(
      `<text x="${MARGIN}" y="${num(y + TEXT_SIZE)}" font-size="${TEXT_SIZE}">no measurements</text>`,
    );
    y += TEXT_SIZE + MARGIN;
    return document(title, y, body);
  }

  // legend, wrapped to the width
  let x = MARGIN;
  const swatch = 12;
  const legendText = (s: string) => fitText(s, TEXT_SIZE, WIDTH - 2 * MARGIN - swatch - 6);
  body.push('<g class="legend">');
  for (const [i, system] of systems.entries()) {
    const label = legendText(system);
    const w = swatch + 6 + textWidth(label, TEXT_SIZE) + 18;
    if (x > MARGIN && x + w > WIDTH - MARGIN) {
      x = MARGIN;
      y += swatch + 8;
    }
    body.push(
      `<rect x="${num(x)}" y="${num(y)}" width="${swatch}" height="${swatch}" fill="${colourOf(i)}"/>`,
      `<text x="${num(x + swatch + 6)}" y="${num(y + swatch - 1)}" font-size="${TEXT_SIZE}">${escapeXml(label)}</text>`,
    );
    x += w;
  }
  body.push('</g>');
  y += swatch + 8;
  body.push(
    `<text x="${MARGIN}" y="${num(y + TICK_SIZE)}" font-size="${TICK_SIZE}" fill="#555">bar: median of the runs; whisker: min–max</text>`,
  );
  y += TICK_SIZE + 14;

  const longestCase = Math.max(...panels.flatMap((p) => p.cases.map((c) => textWidth(c.name, TEXT_SIZE))));
  const labelWidth = Math.min(LABEL_MAX, Math.max(LABEL_MIN, longestCase));
  const x0 = MARGIN + labelWidth + 8;
  const plotWidth = WIDTH - x0 - MARGIN - VALUE_SPACE;

  for (const panel of panels) {
    const heading = `${panel.scenario} — ${panel.metric} (${panel.better} is better)`;
    body.push(
      `<g class="panel">`,
      `<text x="${MARGIN}" y="${num(y + PANEL_TITLE_SIZE)}" font-size="${PANEL_TITLE_SIZE}" font-weight="bold">${escapeXml(fitText(heading, PANEL_TITLE_SIZE, WIDTH - 2 * MARGIN))}</text>`,
    );
    y += PANEL_TITLE_SIZE + 8;

    const rows = panel.cases.flatMap((c) => c.rows);
    const max = Math.max(
      0,
      ...rows.map((m) => Math.max(finiteOr0(m.summary.max), finiteOr0(m.summary.median))),
    );
    const { top, step } = niceScale(max);
    const scale = (v: number) => x0 + (Math.max(0, finiteOr0(v)) / top) * plotWidth;
    const plotTop = y;
    const plotHeight =
      panel.cases.reduce((h, c) => h + c.rows.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, 0) +
      GROUP_GAP * (panel.cases.length - 1);

    // grid first, so bars are drawn over it
    for (let i = 0; i * step <= top + step / 2; i++) {
      const t = i * step;
      const gx = num(scale(t));
      body.push(
        `<line x1="${gx}" y1="${num(plotTop)}" x2="${gx}" y2="${num(plotTop + plotHeight + 4)}" stroke="${t === 0 ? '#888' : '#e3e3e3'}" stroke-width="1"/>`,
        `<text x="${gx}" y="${num(plotTop + plotHeight + 6 + TICK_SIZE)}" font-size="${TICK_SIZE}" fill="#555" text-anchor="middle">${escapeXml(formatTick(t))}</text>`,
      );
    }

    for (const group of panel.cases) {
      const groupHeight = group.rows.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
      body.push(
        `<text x="${num(x0 - 8)}" y="${num(y + groupHeight / 2 + TEXT_SIZE * 0.35)}" font-size="${TEXT_SIZE}" text-anchor="end">${escapeXml(fitText(group.name, TEXT_SIZE, labelWidth))}</text>`,
      );
      for (const m of group.rows) {
        const s = m.summary;
        const colour = colourOf(systemIndex.get(m.system)!);
        const barEnd = scale(s.median);
        const mid = y + BAR_HEIGHT / 2;
        const tip = `${m.system}, ${group.name}: median ${formatValue(s.median)} ${m.metric} (min ${formatValue(s.min)}, max ${formatValue(s.max)}, ${s.runs} run${s.runs === 1 ? '' : 's'})`;
        body.push(
          `<rect class="bar" x="${num(x0)}" y="${num(y)}" width="${num(barEnd - x0)}" height="${BAR_HEIGHT}" fill="${colour}" data-system="${escapeXml(m.system)}" data-case="${escapeXml(group.name)}" data-median="${s.median}"><title>${escapeXml(tip)}</title></rect>`,
        );
        let labelX = barEnd;
        if (Number.isFinite(s.min) && Number.isFinite(s.max) && s.max > s.min) {
          const w1 = scale(s.min);
          const w2 = scale(s.max);
          body.push(
            `<path class="whisker" d="M${num(w1)} ${num(mid)}H${num(w2)}M${num(w1)} ${num(mid - 4)}V${num(mid + 4)}M${num(w2)} ${num(mid - 4)}V${num(mid + 4)}" stroke="#333" stroke-width="1" fill="none"/>`,
          );
          labelX = Math.max(labelX, w2);
        }
        body.push(
          `<text x="${num(labelX + 5)}" y="${num(mid + TICK_SIZE * 0.35)}" font-size="${TICK_SIZE + 1}" fill="#222">${escapeXml(formatValue(s.median))}</text>`,
        );
        y += BAR_HEIGHT + BAR_GAP;
      }
      y += GROUP_GAP - BAR_GAP;
    }
    y += -GROUP_GAP + 4 + 6 + TICK_SIZE + 22;
    body.push('</g>');
  }
  return document(title, y - 8 + MARGIN, body);
}

function document(title: string, height: number, body: string[]): string {
  const h = num(Math.ceil(height));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${h}" viewBox="0 0 ${WIDTH} ${h}" font-family="${escapeXml(FONT)}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
