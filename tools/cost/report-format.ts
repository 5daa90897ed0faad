import type { CostLine } from './cost-line.js';

/** How docs/COST.md shows numbers, prices and tables (Markdown). */

export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const usd = (value: number) =>
  value !== 0 && Math.abs(value) < 0.005 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;

export const quantity = (entry: CostLine) =>
  `${Math.abs(entry.quantity) >= 100 ? integer.format(entry.quantity) : decimal.format(entry.quantity)} ${entry.unit}`;

export const price = (entry: CostLine) =>
  `$${entry.price.usd} per ${entry.price.per}${entry.price.status === 'confirmed' ? '' : ` (${entry.price.status})`}`;

/** A cost line as a table row: service, item, quantity, price, USD. */
export const lineRow = (entry: CostLine) => [entry.service, entry.item, quantity(entry), price(entry), usd(entry.usd)];

/** A Markdown table, its columns padded to their widest cell as a Markdown formatter would leave them. */
export function rows(header: string[], body: string[][]): string {
  const widths = header.map((_, column) => Math.max(3, ...[header, ...body].map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** A section: its heading, then its paragraphs and tables. */
export const section = (heading: string, ...parts: string[]) => [`### ${heading}`, '', ...parts].join('\n');
