/** Prints a benchmark table: each row a figure, the input size, and the baseline measured in the same run. */
export interface Row {
  name: string;
  size: string;
  value: string;
  baseline: string;
  ratio: string;
}

export function printTable(title: string, rows: Row[]): void {
  const headers: Row = { name: 'measure', size: 'input', value: 'switchboard', baseline: 'baseline', ratio: 'ratio' };
  const all = [headers, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((row) => row[key].length));
  const line = (row: Row) =>
    `| ${(['name', 'size', 'value', 'baseline', 'ratio'] as const).map((key) => row[key].padEnd(width(key))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(headers));
  console.log(
    `|${(['name', 'size', 'value', 'baseline', 'ratio'] as const).map((key) => '-'.repeat(width(key) + 2)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
