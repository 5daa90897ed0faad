// Builds one minified ES module bundle per Lambda and packs each into a deterministic zip under dist/.
// `--check` rebuilds in memory and fails when the committed dist/ differs from what the sources produce.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { createZip } from '../tools/zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

export const LAMBDAS = ['planner', 'sender', 'receiver'];

/**
 * The Lambda runtimes the bundles are built for: exactly those variables.tf's `runtime` admits (a test holds the two
 * together). One set of bundles serves them all, built for the oldest (docs/adr/0011-runtime-and-bundle-target.md).
 */
export const RUNTIMES = ['nodejs22.x', 'nodejs24.x'];

/** The Node major of a Lambda runtime name: nodejs24.x -> 24. */
export const nodeMajorOf = (runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);

/** esbuild's target: the Node of the oldest runtime, so no syntax reaches a runtime that cannot parse it. */
export const TARGET = `node${Math.min(...RUNTIMES.map(nodeMajorOf))}`;

/** Files a package ships beside its bundle: the planner starts through its exec wrapper (main.tf). */
const EXTRA_FILES = { planner: [{ name: 'exec-wrapper', source: 'handlers/exec-wrapper.sh', mode: 0o755 }] };

/** Bundled CommonJS dependencies (pg) call require() for Node built-ins: it gives an ES module bundle a require. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __notifierRequire } from 'node:module'; const require = __notifierRequire(import.meta.url);";

/** Bundles one entry point; returns the files of its package (index.mjs plus lazily loaded chunks). */
export async function bundle(entry, { minify = true } = {}) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: join('handlers', `${entry}.ts`) },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: TARGET,
    minify,
    legalComments: 'none',
    sourcemap: false,
    write: false,
    outdir: 'out',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'warning',
  });
  return result.outputFiles.map((file) => ({
    name: relative(join(root, 'out'), file.path).split('\\').join('/'),
    data: Buffer.from(file.contents),
  }));
}

async function main() {
  const manifest = { runtimes: RUNTIMES, target: TARGET, handler: 'index.handler', packages: {} };
  const outputs = [];
  for (const name of LAMBDAS) {
    const files = await bundle(name);
    for (const extra of EXTRA_FILES[name] ?? [])
      files.push({ name: extra.name, data: await readFile(join(root, extra.source)), mode: extra.mode });
    const zip = createZip(files);
    manifest.packages[name] = {
      file: `${name}.zip`,
      sha256: createHash('sha256').update(zip).digest('hex'),
      base64sha256: createHash('sha256').update(zip).digest('base64'),
      zipBytes: zip.length,
      unpackedBytes: files.reduce((sum, file) => sum + file.data.length, 0),
      files: files.map((file) => file.name).sort(),
    };
    outputs.push([join('dist', `${name}.zip`), zip]);
  }
  outputs.push([join('dist', 'manifest.json'), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);

  if (check) {
    const stale = [];
    for (const [path, data] of outputs) {
      const committed = await readFile(join(root, path)).catch(() => undefined);
      if (!committed?.equals(data)) stale.push(path);
    }
    if (stale.length > 0) {
      console.error(`dist/ does not match the sources: ${stale.join(', ')}. Run "npm run build" and commit dist/.`);
      process.exit(1);
    }
    console.log('dist/ matches the sources');
    return;
  }
  await mkdir(join(root, 'dist'), { recursive: true });
  for (const [path, data] of outputs) await writeFile(join(root, path), data);
  for (const [name, info] of Object.entries(manifest.packages))
    console.log(
      `${name}: ${info.zipBytes} bytes zipped, ${info.unpackedBytes} unpacked, sha256 ${info.sha256.slice(0, 12)}`,
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
