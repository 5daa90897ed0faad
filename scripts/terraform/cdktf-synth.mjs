#!/usr/bin/env node
// Synthesizes a CDKTF project as `cdktf synth` does: runs the `app` command of its cdktf.json in the project
// directory with CDKTF_OUTDIR and the context of cdktf.json in CDKTF_CONTEXT_JSON. Works with cdktf and with CDK
// Terrain (cdktn), whose CLIs run the app the same way; neither CLI is needed.
//
//   node scripts/terraform/cdktf-synth.mjs examples/cdktf <outdir>   # prints the synthesized stack directories
//   node scripts/terraform/cdktf-synth.mjs examples/cdktf <outdir> --local acme/notifier/aws=.
//       # and points the modules sourced from the registry address at a checkout, for when the registry is out of reach
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Stack directories (`<outdir>/stacks/<stack>`) the app wrote. Throws with the app's output when it fails. */
export function synthesize(projectDir, outdir) {
  const config = JSON.parse(readFileSync(join(projectDir, 'cdktf.json'), 'utf8'));
  if (typeof config.app !== 'string')
    throw new Error(`${join(projectDir, 'cdktf.json')}: "app" must be the command that runs the app`);
  // The CLI creates the output directory; the app only creates its last level.
  mkdirSync(resolve(outdir), { recursive: true });
  execSync(config.app, {
    cwd: projectDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CDKTF_OUTDIR: resolve(outdir), CDKTF_CONTEXT_JSON: JSON.stringify(config.context ?? {}) },
  });
  const stacks = join(outdir, 'stacks');
  if (!existsSync(stacks)) throw new Error(`${config.app} wrote no stacks under ${stacks}`);
  return readdirSync(stacks)
    .sort()
    .map((stack) => join(stacks, stack));
}

/**
 * Rewrites the synthesized stack so that every module sourced from `registrySource` comes from `localDir` instead
 * (a relative source, no version). Returns how many module blocks it changed.
 */
export function useLocalModule(stackDir, registrySource, localDir) {
  const path = join(stackDir, 'cdk.tf.json');
  const stack = JSON.parse(readFileSync(path, 'utf8'));
  const local = relative(resolve(stackDir), resolve(localDir)).split(sep).join('/');
  let changed = 0;
  for (const block of Object.values(stack.module ?? {})) {
    if (block.source !== registrySource) continue;
    block.source = local.startsWith('..') ? local : `./${local}`;
    delete block.version;
    changed += 1;
  }
  writeFileSync(path, `${JSON.stringify(stack, null, 2)}\n`);
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [projectDir, outdir, flag, mapping] = process.argv.slice(2);
  const [registrySource, localDir] = mapping?.split('=') ?? [];
  if (!projectDir || !outdir || (flag !== undefined && (flag !== '--local' || !registrySource || !localDir))) {
    console.error(
      'usage: node scripts/terraform/cdktf-synth.mjs <project dir> <outdir> [--local <registry source>=<dir>]',
    );
    process.exit(2);
  }
  try {
    for (const stack of synthesize(projectDir, outdir)) {
      if (registrySource && useLocalModule(stack, registrySource, localDir) === 0)
        throw new Error(`${stack} has no module sourced from ${registrySource}`);
      console.log(stack);
    }
  } catch (error) {
    console.error(error.stderr?.toString() || error.message);
    process.exit(1);
  }
}
