import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../tools/local/bundle.js';
import { readZip } from '../tools/zip.mjs';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'dist', 'manifest.json'), 'utf8')) as {
  packages: Record<string, { sha256: string; zipBytes: number; files: string[] }>;
};
const filesOf = (name: string) => readZip(readFileSync(join(repoRoot, 'dist', `${name}.zip`)));
const source = (name: string) =>
  filesOf(name)
    .map((file) => file.data.toString('utf8'))
    .join('\n');

describe('dist bundles', () => {
  it('the manifest states each zip’s sha256 and size', () => {
    for (const name of ['planner', 'sender', 'receiver']) {
      const zip = readFileSync(join(repoRoot, 'dist', `${name}.zip`));
      assert.equal(manifest.packages[name]?.sha256, createHash('sha256').update(zip).digest('hex'));
      assert.equal(manifest.packages[name]?.zipBytes, zip.length);
      assert.deepEqual(
        filesOf(name).map((file) => file.name),
        manifest.packages[name]?.files,
      );
    }
  });

  it('each zip holds an index.mjs that exports the handler', () => {
    for (const name of ['planner', 'sender', 'receiver'])
      assert.match(
        filesOf(name)
          .find((file) => file.name === 'index.mjs')
          ?.data.toString('utf8') ?? '',
        /export\{[^}]*as handler\}/,
      );
  });

  it('the sender carries no pg, and loads the SQS client only to return a message early, never at import', () => {
    const sender = source('sender');
    const index =
      filesOf('sender')
        .find((file) => file.name === 'index.mjs')
        ?.data.toString('utf8') ?? '';
    // BatchRequestTooLong is one of the SQS client's error shapes: where it is, the client is.
    assert.ok(sender.includes('BatchRequestTooLong'), 'the SQS client is in a chunk');
    assert.ok(!index.includes('BatchRequestTooLong'), 'not in index.mjs: a cold start does not load it');
    assert.ok(!/pg-protocol|SCRAM-SERVER-FIRST-MESSAGE/.test(sender), 'no pg');
    assert.ok(source('planner').includes('SendMessageBatch'));
  });

  it('no absolute path of the build machine is baked in', () => {
    for (const name of ['planner', 'sender', 'receiver'])
      assert.ok(!source(name).includes(repoRoot), `${name} mentions ${repoRoot}`);
  });
});

describe('the planner exec wrapper (AWS_LAMBDA_EXEC_WRAPPER)', () => {
  const wrapper = filesOf('planner').find((file) => file.name === 'exec-wrapper');
  const dir = mkdtempSync(join(tmpdir(), 'exec-wrapper-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'exec-wrapper');
  writeFileSync(script, wrapper?.data ?? '');
  chmodSync(script, 0o755);
  const run = (args: string[]) => spawnSync(script, args, { encoding: 'utf8' });

  it('ships executable in the planner zip, and only there', () => {
    assert.equal(wrapper?.mode, 0o755);
    assert.ok(!filesOf('sender').some((file) => file.name === 'exec-wrapper'));
  });

  it('puts the cap after the runtime flags and before its entry script; any other command runs unchanged', () => {
    assert.equal(
      run(['/bin/echo', '--expose-gc', '--max-semi-space-size=25', '/var/runtime/index.mjs']).stdout,
      '--expose-gc --max-semi-space-size=25 --max-semi-space-size=8 /var/runtime/index.mjs\n',
    );
    assert.equal(run(['/bin/echo', 'index.js']).stdout, '--max-semi-space-size=8 index.js\n');
    assert.equal(run(['/bin/echo', 'node', '-e', '1']).stdout, 'node -e 1\n');
    assert.equal(run(['/bin/echo']).stdout, '\n');
  });

  it('caps the young generation of the node it starts, over the larger setting of the runtime', () => {
    // A rolling window of live objects, as pages waiting for their SendMessageBatch answers are, makes V8 grow its
    // young generation to whatever cap it has. The probe counts its allocations rather than timing them, so a busy
    // machine runs the same workload, only slower.
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `import v8 from 'node:v8';
const live = [];
let peak = 0;
for (let round = 0; round < 400; round++) {
  for (let i = 0; i < 1000; i++) live.push({ id: String(Math.random()), body: 'x'.repeat(100) + i });
  if (live.length > 60000) live.splice(0, 1000);
  peak = Math.max(peak, v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size);
}
console.log(peak / 1048576);`,
    );
    const runtimeFlags = ['--expose-gc', '--max-semi-space-size=25', '--max-old-space-size=461'];
    const uncapped = Number(spawnSync(process.execPath, [...runtimeFlags, probe], { encoding: 'utf8' }).stdout);
    const capped = Number(run([process.execPath, ...runtimeFlags, probe]).stdout);
    // Node 22 keeps new space within two 8 MiB semi-spaces (16 MiB); Node 24's V8 lets it grow past that (18 to 22 MiB
    // measured), still under three of them and under half of what the runtime's own 25 MiB setting reaches.
    assert.ok(uncapped > 48, `without the wrapper the young generation reached ${uncapped} MiB`);
    assert.ok(
      capped > 0 && capped <= 24 && capped < uncapped / 2,
      `with the wrapper it reached ${capped} MiB (three semi-spaces of 8 MiB at most, against ${uncapped} MiB)`,
    );
  });
});
