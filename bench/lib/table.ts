/**
 * Prints results as a Markdown table (aligned in a terminal, pasteable into an issue).
 *
 * @example
 * ```ts
 * console.log(renderTable([{ header: 'n' }, { header: 'ms', align: 'right' }], [['100', '0.42']]));
 * ```
 */
export interface Column {
  header: string;
  /** Default: left for the first column, right for the others (numbers). */
  align?: 'left' | 'right';
}

export function renderTable(
  columns: readonly (Column | string)[],
  rows: readonly (readonly string[])[],
): string {
  const cols: Required<Column>[] = columns.map((c, i) => {
    const col = typeof c === 'string' ? { header: c } : c;
    return { header: col.header, align: col.align ?? (i === 0 ? 'left' : 'right') };
  });
  for (const row of rows) {
    if (row.length !== cols.length) {
      throw new Error(`renderTable: a row has ${row.length} cells, the table ${cols.length} columns`);
    }
  }
  const widths = cols.map((c, i) => Math.max(3, c.header.length, ...rows.map((r) => r[i]!.length)));
  const cell = (text: string, i: number) =>
    cols[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${cols.map((c, i) => (c.align === 'right' ? `${'-'.repeat(widths[i]! + 1)}:` : `:${'-'.repeat(widths[i]! + 1)}`)).join('|')}|`;
  return [line(cols.map((c) => c.header)), rule, ...rows.map(line)].join('\n');
}

/** A number for a results table: three significant-ish digits, thousands separated. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(abs >= 1 ? 2 : 3);
}
