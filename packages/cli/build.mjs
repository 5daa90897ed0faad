// Builds the CLI package's one bundle, dist/notifier.mjs: every command tools/cli/notifier.ts loads, with the AWS
// SDK clients and libraries they use, so the package has no runtime dependencies. "npm pack" and "npm publish" run it
// (prepack); the bundle is not committed (README.md, "Building").
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../scripts/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function fail(message) {
  console.error(`packages/cli: ${message}`);
  process.exit(1);
}

// The local runtime stays a checkout feature: the package's "notifier start" says so instead.
const checkoutOnly = {
  name: 'checkout-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/local-start\.js$/ }, (args) =>
      args.importer === join(root, 'tools', 'cli', 'notifier.ts') ? { path: join(here, 'src', 'start.ts') } : undefined,
    );
  },
};

/** Packages the bundle must not carry: the repository's development dependencies (emulators, sandboxes, tools). */
function devPackagesIn(metafile, devDependencies) {
  const found = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const name = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    if (name && devDependencies.includes(name)) found.add(name);
    if (input.startsWith('tools/local/')) found.add(input);
  }
  return [...found].sort();
}

const [rootManifest, manifest] = await Promise.all(
  [join(root, 'package.json'), join(here, 'package.json')].map(async (path) =>
    JSON.parse(await readFile(path, 'utf8')),
  ),
);
if (manifest.version !== rootManifest.version) {
  fail(
    `package.json says version ${manifest.version}, the module ${rootManifest.version}: they are released together ("npm run release -- X.Y.Z" sets both)`,
  );
}
const nodeMajor = /^>=\s*(\d+)$/.exec(manifest.engines?.node ?? '')?.[1];
if (!nodeMajor)
  fail(`engines.node must read ">=N" (bin/notifier.cjs checks it), got ${JSON.stringify(manifest.engines?.node)}`);

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['tools/cli/bin.ts'],
  outfile: join(here, 'dist', 'notifier.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: `node${nodeMajor}`,
  minify: true,
  legalComments: 'eof',
  sourcemap: false,
  write: false,
  metafile: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  plugins: [checkoutOnly],
  logLevel: 'warning',
});
const unwanted = devPackagesIn(result.metafile, Object.keys(rootManifest.devDependencies ?? {}));
if (unwanted.length > 0)
  fail(
    `the bundle would carry development-only code: ${unwanted.join(', ')}. A command must not import the local runtime.`,
  );

await mkdir(join(here, 'dist'), { recursive: true });
for (const file of result.outputFiles) await writeFile(file.path, file.contents);
await copyFile(join(root, 'LICENSE'), join(here, 'LICENSE'));
for (const file of result.outputFiles)
  console.error(`packages/cli/${relative(here, file.path)}: ${file.contents.length} bytes`);
