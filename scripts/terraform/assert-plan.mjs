#!/usr/bin/env node
// Asserts what an offline plan of an example creates: the resource count per type (and the total) from
// scripts/terraform/plan-expectations.json, only creations, and tags on every resource that takes them.
//
//   node scripts/terraform/assert-plan.mjs <plan.json> <example>
import { readFileSync } from 'node:fs';

const [planPath, example] = process.argv.slice(2);
if (!planPath || !example) {
  console.error('usage: assert-plan.mjs <plan.json> <example>');
  process.exit(2);
}

const plan = JSON.parse(readFileSync(planPath, 'utf8'));
const expectations = JSON.parse(readFileSync(new URL('./plan-expectations.json', import.meta.url), 'utf8'))[example];
if (!expectations) {
  console.error(`no expectations for example "${example}"`);
  process.exit(2);
}

const managed = (plan.resource_changes ?? []).filter((change) => change.mode === 'managed');
const failures = [];

const counts = {};
for (const change of managed) counts[change.type] = (counts[change.type] ?? 0) + 1;

const types = new Set([...Object.keys(counts), ...Object.keys(expectations.types)]);
for (const type of [...types].sort()) {
  const actual = counts[type] ?? 0;
  const expected = expectations.types[type] ?? 0;
  if (actual !== expected) failures.push(`${type}: expected ${expected}, planned ${actual}`);
}
if (managed.length !== expectations.total)
  failures.push(`total: expected ${expectations.total}, planned ${managed.length}`);

for (const change of managed) {
  if (change.change.actions.join(',') !== 'create')
    failures.push(`${change.address}: expected create, got ${change.change.actions}`);
  const after = change.change.after ?? {};
  if ('tags' in after) {
    const tags = after.tags ?? {};
    for (const [key, value] of Object.entries(expectations.tags)) {
      if (tags[key] !== value)
        failures.push(`${change.address}: tag ${key}=${value} missing (tags: ${JSON.stringify(tags)})`);
    }
  }
}

const tagged = managed.filter((change) => 'tags' in (change.change.after ?? {})).length;
if (failures.length > 0) {
  console.error(`${example}: ${failures.length} plan assertion(s) failed:\n  ${failures.join('\n  ')}`);
  console.error(`actual counts: ${JSON.stringify(counts, null, 2)}`);
  process.exit(1);
}
console.log(
  `${example}: ${managed.length} resources planned (${Object.keys(counts).length} types), ${tagged} taggable, all tagged`,
);
