import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../handlers/local/bundle.js';
import { readZip } from '../scripts/zip.mjs';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'dist', 'manifest.json'), 'utf8')) as { packages: Record<string, { sha256: string; zipBytes: number; files: string[] }> };
const filesOf = (name: string) => readZip(readFileSync(join(repoRoot, 'dist', `${name}.zip`)));
const source = (name: string) => filesOf(name).map((file) => file.data.toString('utf8')).join('\n');

describe('dist bundles', () => {
  it('the manifest states each zip’s sha256 and size', () => {
    for (const name of ['planner', 'sender']) {
      const zip = readFileSync(join(repoRoot, 'dist', `${name}.zip`));
      assert.equal(manifest.packages[name]?.sha256, createHash('sha256').update(zip).digest('hex'));
      assert.equal(manifest.packages[name]?.zipBytes, zip.length);
      assert.deepEqual(filesOf(name).map((file) => file.name), manifest.packages[name]?.files);
    }
  });

  it('each zip holds an index.mjs that exports the handler', () => {
    for (const name of ['planner', 'sender']) assert.match(filesOf(name).find((file) => file.name === 'index.mjs')?.data.toString('utf8') ?? '', /export\{[^}]*as handler\}/);
  });

  it('the sender carries neither pg nor the SQS client', () => {
    const sender = source('sender');
    assert.ok(!sender.includes('SendMessageBatch'), 'no SQS client');
    assert.ok(!/pg-protocol|SCRAM-SERVER-FIRST-MESSAGE/.test(sender), 'no pg');
    assert.ok(source('planner').includes('SendMessageBatch'));
  });

  it('no absolute path of the build machine is baked in', () => {
    for (const name of ['planner', 'sender']) assert.ok(!source(name).includes(repoRoot), `${name} mentions ${repoRoot}`);
  });
});
