import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderChart } from '../bench/lib/chart.ts';
import type { Measurement } from '../bench/lib/scenario.ts';
import { summarize } from '../bench/lib/timing.ts';

function m(
  scenario: string,
  kase: string,
  system: string,
  values: number[],
  metric = 'ms',
  better: Measurement['better'] = 'lower',
): Measurement {
  return { scenario, case: kase, system, metric, better, summary: summarize(values) };
}

const sample: Measurement[] = [
  m('activation', '100 segments', 'troupe (merge on)', [0.2, 0.25, 0.3]),
  m('activation', '100 segments', 'new actor', [0.1, 0.12, 0.2]),
  m('activation', '1M segments', 'troupe (merge on)', [0.4, 0.5, 0.9]),
  m('activation', '1M segments', 'troupe (merge off)', [900, 1000, 1200]),
  m('activation', '1M segments', 'new actor', [0.1, 0.11, 0.13]),
  m('throughput', '1k actors', 'troupe', [52_000], 'msgs/s', 'higher'),
  m('throughput', '1k actors', 'bullmq <GET&SET>', [13_000], 'msgs/s', 'higher'),
];

/** Checks that every element is closed in order; returns the element names opened. */
function assertBalanced(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)(?:\s[^<>]*?)?(\/?)>/g)) {
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the open element`);
    else if (!selfClosing) stack.push(name!);
    if (!close) seen.push(name!);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  // text outside tags must hold no raw markup characters
  for (const text of svg.split(/<[^<>]*>/)) assert.doesNotMatch(text, /[<>]|&(?!(amp|lt|gt|quot|apos);)/);
  return seen;
}

function bars(svg: string): { system: string; kase: string; width: number; median: number }[] {
  return [...svg.matchAll(/<rect class="bar"[^>]*>/g)].map(([tag]) => {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1] ?? '';
    return {
      system: attr('data-system'),
      kase: attr('data-case'),
      width: Number(attr(' width')),
      median: Number(attr('data-median')),
    };
  });
}

it('renders a standalone, well-formed SVG document', () => {
  const svg = renderChart(sample, { title: 'Troupe <bench> & co' });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
  assert.match(svg, /<\/svg>\n$/);
  const elements = assertBalanced(svg);
  assert.equal(elements.filter((e) => e === 'svg').length, 1);
  assert.ok(svg.includes('Troupe &lt;bench&gt; &amp; co'));
  assert.equal(renderChart(sample, { title: 'Troupe <bench> & co' }), svg, 'deterministic');
});

it('names every system in the legend, escaped, and gives each one colour in every panel', () => {
  const svg = renderChart(sample);
  const legend = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  for (const name of [
    'troupe (merge on)',
    'new actor',
    'troupe (merge off)',
    'troupe',
    'bullmq &lt;GET&amp;SET&gt;',
  ]) {
    assert.ok(legend.includes(`>${name}</text>`), `legend names ${name}`);
  }
  assert.ok(!svg.includes('<GET&SET>'), 'no raw < or & from a name');
  const colours = new Map<string, Set<string>>();
  for (const [tag] of svg.matchAll(/<rect class="bar"[^>]*>/g)) {
    const system = /data-system="([^"]*)"/.exec(tag)![1]!;
    const fill = /fill="([^"]*)"/.exec(tag)![1]!;
    colours.set(system, (colours.get(system) ?? new Set()).add(fill));
  }
  for (const [system, fills] of colours) assert.equal(fills.size, 1, `${system} has one colour`);
  assert.equal(new Set([...colours.values()].map((s) => [...s][0])).size, colours.size, 'colours differ');
});

it('replaces characters XML forbids, so the document still parses', () => {
  const svg = renderChart([m('odd', 'case\u0001', 'sys\u0000tem', [1])]);
  assertBalanced(svg);
  assert.ok(![...svg].some((ch) => ch.charCodeAt(0) < 0x09), 'no C0 control characters');
  assert.ok(svg.includes('sys\uFFFDtem'));
});

it('titles each panel with its metric and which direction is better', () => {
  const svg = renderChart(sample);
  assert.ok(svg.includes('activation — ms (lower is better)'));
  assert.ok(svg.includes('throughput — msgs/s (higher is better)'));
});

it('draws bars whose widths are proportional to the medians within a panel', () => {
  const all = bars(renderChart(sample));
  assert.equal(all.length, sample.length);
  for (const scenario of ['activation', 'throughput']) {
    const inPanel = all.filter((b) => sample.some((s) => s.scenario === scenario && s.system === b.system));
    const ref = inPanel.reduce((a, b) => (b.median > a.median ? b : a));
    assert.ok(ref.width > 100, 'the longest bar uses the plot');
    for (const b of inPanel) {
      assert.ok(
        Math.abs(b.width - (ref.width * b.median) / ref.median) < 0.02,
        `${b.system} @ ${b.kase}: width ${b.width} for median ${b.median}`,
      );
    }
  }
});

it('still renders with no measurements', () => {
  const svg = renderChart([]);
  assertBalanced(svg);
  assert.ok(svg.includes('no measurements'));
});
