// The tables of docs/COST.md, computed by the model: `node_modules/.bin/node --import tsx tools/cost/report.ts`
// prints them as Markdown; `--write` replaces the generated block of docs/COST.md with them.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MEASURED } from './measured.js';
import { estimateMonthlyCost } from './model.js';
import { PRICES } from './prices.js';
import { section } from './report-format.js';
import { measuredTable, priceTable } from './report-inputs.js';
import {
  alwaysOnSection,
  audienceSection,
  comparisonTable,
  itemised,
  latencyTable,
  runTable,
  variantsTable,
} from './report-scenarios.js';

const BEGIN = '<!-- BEGIN GENERATED: node_modules/.bin/node --import tsx tools/cost/report.ts --write -->';
const END = '<!-- END GENERATED -->';

export function renderCostReport(): string {
  const base = estimateMonthlyCost();
  const noLedger = estimateMonthlyCost({ ledger: false });
  const sections = [
    `Computed ${MEASURED.measuredAt.slice(0, 10)} durations (${MEASURED.machine}), ` +
      `prices checked ${PRICES['us-east-1']?.lambda.requests.checked}.`,
    section('Measured handler durations', measuredTable()),
    section('Price table', priceTable()),
    section('The default scenario, itemised (us-east-1, ledger on)', itemised(base)),
    section('What one run does', runTable(base)),
    section('With and without the ledger, by region and architecture', comparisonTable(base, noLedger)),
    section('Compared with an always-on worker', ...alwaysOnSection(base, noLedger)),
    section('Sensitivity: audience and runs per day', ...audienceSection(base)),
    section('Settings and design variants', variantsTable()),
    section('Sensitivity: provider latency', latencyTable(base)),
  ];
  return [BEGIN, '', ...sections.flatMap((text) => [text, '']), END].join('\n');
}

/** Replaces the generated block of docs/COST.md with `report`. */
function writeReport(report: string): void {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'COST.md');
  const current = readFileSync(path, 'utf8');
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/COST.md has no generated block (${BEGIN} ... ${END})`);
  writeFileSync(path, `${current.slice(0, start)}${report}${current.slice(end + END.length)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = renderCostReport();
  if (process.argv.includes('--write')) {
    writeReport(report);
    process.stdout.write('docs/COST.md updated\n');
  } else {
    process.stdout.write(`${report}\n`);
  }
}
