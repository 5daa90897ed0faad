import manifest from '../../package.json' with { type: 'json' };

/**
 * The module's version, read from the repository's package.json (esbuild inlines it into the CLI package's bundle).
 * The CLI package is released with the module under the same version, so the one number says both.
 */
const VERSION: string = manifest.version;

export function versionText(): string {
  return `notifier ${VERSION} (for the ${manifest.name} module ${VERSION}; pin its source with ?ref=v${VERSION})`;
}
