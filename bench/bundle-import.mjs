// Bundle size and cold-start import time of each shipped Lambda against a naive bundle of the same clients.
// Usage: npm run bench:bundle [-- --runs 21]
// Each sample is a fresh Node process (a cold container): the median of `import()` time is reported.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TARGET } from '../scripts/build.mjs';
import { createZip, readZip } from '../tools/zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 21;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function unpack(name, files) {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.name)), { recursive: true });
    writeFileSync(join(dir, file.name), file.data);
  }
  return join(dir, 'index.mjs');
}

function importMs(entry) {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(entry).href)});process.stdout.write(String(performance.now()-t))`;
  const env = {
    ...process.env,
    NOTIFIER_CONFIG_TABLE: 'c',
    NOTIFIER_LEDGER_TABLE: 'l',
    NOTIFIER_QUEUE_URL: 'http://q',
    NOTIFIER_CHANNEL_HOSTS: 'messenger:graph.facebook.com',
    NOTIFIER_DATABASE_HOSTS: '',
    AWS_REGION: 'us-east-1',
  };
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }));
}

const naiveFiles = await (async () => {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: 'bench/naive-entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: TARGET,
    minify: true,
    write: false,
    outdir: 'out',
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: 'error',
  });
  return result.outputFiles.map((file) => ({ name: 'index.mjs', data: Buffer.from(file.contents) }));
})();

const subjects = {
  naive: { files: naiveFiles, zip: createZip(naiveFiles) },
  planner: {
    files: readZip(readFileSync(join(root, 'dist/planner.zip'))),
    zip: readFileSync(join(root, 'dist/planner.zip')),
  },
  sender: {
    files: readZip(readFileSync(join(root, 'dist/sender.zip'))),
    zip: readFileSync(join(root, 'dist/sender.zip')),
  },
};
const entries = Object.fromEntries(
  Object.entries(subjects).map(([name, subject]) => [name, unpack(name, subject.files)]),
);
const samples = { naive: [], planner: [], sender: [] };
// Interleaved, so machine noise hits all three alike.
for (let run = 0; run < runs; run++)
  for (const name of Object.keys(samples)) samples[name].push(importMs(entries[name]));

/** Bytes a cold start must parse: index.mjs and the chunks it imports statically (dynamic imports load later). */
function eagerBytes(files) {
  const byName = new Map(files.map((file) => [file.name, file]));
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !byName.has(name)) return;
    seen.add(name);
    const code = byName.get(name).data.toString('utf8');
    const base = name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '';
    for (const match of code.matchAll(/(?:^|[;}\s])import\s*(?:[^'"();]*?from\s*)?["']\.\/([^"']+)["']/g))
      visit(join(base, match[1]).split('\\').join('/'));
  };
  visit('index.mjs');
  return [...seen].reduce((sum, name) => sum + byName.get(name).data.length, 0);
}

const naive = median(samples.naive);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Node ${process.version}, ${runs} cold imports each (median)`,
);
console.log('| bundle | zip bytes | index.mjs bytes | eager bytes loaded at import | import ms (median) | vs naive |');
console.log('|---|---|---|---|---|---|');
for (const [name, subject] of Object.entries(subjects)) {
  const index = subject.files.find((file) => file.name === 'index.mjs').data.length;
  const ms = median(samples[name]);
  console.log(
    `| ${name} | ${subject.zip.length} | ${index} | ${eagerBytes(subject.files)} | ${ms.toFixed(1)} | ${(ms / naive).toFixed(2)} |`,
  );
}
