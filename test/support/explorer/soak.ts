/**
 * `npm run soak -- --schedules N --seed S [--verbose]`: runs N schedules from seeds S, S+1, ..., prints each failing
 * seed as a one-line reproduction command with its first violations, then a summary: schedules, faults drawn by
 * kind, violations by invariant. Exit 1 when any schedule broke an invariant.
 */
import { parseArgs } from 'node:util';
import { runSchedule } from './runner.js';

const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
  },
});
const schedules = Number(values.schedules);
const first = Number(values.seed);
const faults = new Map<string, number>();
const byInvariant = new Map<number, number>();
const failing: number[] = [];
const started = performance.now();

for (let seed = first; seed < first + schedules; seed++) {
  const report = await runSchedule(seed, { logs: values.verbose });
  for (const [kind, count] of report.faults) {
    const family = kind.split(':')[0] as string;
    faults.set(family, (faults.get(family) ?? 0) + count);
  }
  if (report.violations.length === 0) continue;
  failing.push(seed);
  for (const violation of report.violations)
    byInvariant.set(violation.invariant, (byInvariant.get(violation.invariant) ?? 0) + 1);
  console.log(`FAIL seed ${seed}: npm run soak -- --schedules 1 --seed ${seed}`);
  for (const violation of report.violations.slice(0, 3))
    console.log(`  invariant ${violation.invariant}: ${violation.message}`);
  if (values.verbose) {
    for (const event of report.world.events) console.log(`  event ${event}`);
    for (const line of report.logs.slice(-40)) console.log(`  log ${line}`);
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${schedules} schedules from seed ${first} in ${seconds} s; ${failing.length} failing`);
console.log('faults drawn by kind:');
for (const [kind, count] of [...faults].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${kind}: ${count}`);
console.log('violations by invariant:');
for (const invariant of [1, 2, 3, 4]) console.log(`  ${invariant}: ${byInvariant.get(invariant) ?? 0}`);
process.exitCode = failing.length > 0 ? 1 : 0;
