// The layout's import rules (README.md, "Layout"), run by `npm run deps` and by `npm test` over the product code:
// handlers/, tools/, packages/cli/src/ and bin/. Type imports count like the others (tsPreCompilationDeps). What no
// rule here expresses (process.env or fetch in a pure layer, a file only `import type` reaches that holds code) is
// checked by test/layers.test.ts.
const IO_MODULES = [
  // The AWS SDK, the PostgreSQL driver and undici, found or not.
  '(^|/)node_modules/(@aws-sdk/|pg/|pg-[^/]+/|undici/)',
  '^(@aws-sdk/|pg$|pg/|pg-|undici$|undici/)',
  // Node's network, file system, process, streams, workers and child processes (the `node:` prefix is dropped).
  '^(node:)?(fs|os|net|tls|dgram|dns|http|https|http2|stream|process|child_process|worker_threads|cluster)(/|$)',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-looks-down',
      comment: 'handlers/core/ is the lowest layer: it imports nothing else of handlers/.',
      severity: 'error',
      from: { path: '^handlers/core/' },
      to: { path: '^handlers/', pathNot: '^handlers/core/' },
    },
    {
      name: 'config-looks-down',
      comment: 'handlers/config/ imports only handlers/core/ below it.',
      severity: 'error',
      from: { path: '^handlers/config/' },
      to: { path: '^handlers/', pathNot: '^handlers/(core|config)/' },
    },
    {
      name: 'observability-looks-down',
      comment: 'handlers/observability/ imports only core and config below it.',
      severity: 'error',
      from: { path: '^handlers/observability/' },
      to: { path: '^handlers/', pathNot: '^handlers/(core|config|observability)/' },
    },
    {
      name: 'adapters-look-down',
      comment: 'The adapters (handlers/aws/, db/, channels/) import only core, config and observability below them.',
      severity: 'error',
      from: { path: '^handlers/(aws|db|channels)/' },
      to: { path: '^handlers/', pathNot: '^handlers/(core|config|observability|aws|db|channels)/' },
    },
    {
      name: 'adapters-not-sideways',
      comment: 'No adapter imports another (aws, db, channels share a layer): move what both need down a layer.',
      severity: 'error',
      from: { path: '^handlers/(aws|db|channels)/' },
      to: { path: '^handlers/(aws|db|channels)/', pathNot: '^handlers/$1/' },
    },
    {
      name: 'workflows-look-down',
      comment:
        'The workflows (handlers/delivery/, planning/, receiving/) never import the entry points at handlers/ top.',
      severity: 'error',
      from: { path: '^handlers/(delivery|planning|receiving)/' },
      to: { path: '^handlers/[^/]+$' },
    },
    {
      name: 'workflows-not-sideways',
      comment:
        'Delivery, planning and receiving share a layer and never import each other: move what they need down a layer.',
      severity: 'error',
      from: { path: '^handlers/(delivery|planning|receiving)/' },
      to: { path: '^handlers/(delivery|planning|receiving)/', pathNot: '^handlers/$1/' },
    },
    {
      name: 'handlers-folder-has-layer',
      comment:
        'Every folder of handlers/ has a layer: add a new one to the layer rules of this file (and to the README).',
      severity: 'error',
      from: {},
      to: {
        path: '^handlers/[^/]+/',
        pathNot: '^handlers/(core|config|observability|aws|db|channels|delivery|planning|receiving)/',
      },
    },
    {
      name: 'pure-layers-load-no-io',
      comment:
        'handlers/core/ and handlers/config/ are pure: no AWS SDK, database driver, network, file system, process, ' +
        'worker or child process; the adapters do the I/O.',
      severity: 'error',
      from: { path: '^handlers/(core|config)/' },
      to: { path: IO_MODULES },
    },
    {
      name: 'outside-through-surface',
      comment: 'tools/, packages/cli/src/ and bin/ reach handlers/ only through handlers/surface.ts.',
      severity: 'error',
      from: { path: '^(tools|packages/cli/src|bin)/' },
      to: { path: '^handlers/', pathNot: '^handlers/surface[.]ts$' },
    },
    {
      name: 'handlers-import-only-handlers',
      comment: 'handlers/ is what the Lambda bundles carry: it imports no local file outside handlers/.',
      severity: 'error',
      from: { path: '^handlers/' },
      to: { dependencyTypes: ['local'], pathNot: '^handlers/' },
    },
    {
      name: 'surface-not-in-bundles',
      comment: 'handlers/surface.ts is for tools/: no entry point reaches it, so no Lambda bundle carries it.',
      severity: 'error',
      from: { path: '^handlers/(planner|sender|receiver)[.]ts$' },
      to: { path: '^handlers/surface[.]ts$', reachable: true },
    },
    {
      name: 'handlers-all-bundled',
      comment:
        'Every file of handlers/ is reached from an entry point (planner.ts, sender.ts, receiver.ts; no orphan): a ' +
        'file no Lambda imports belongs in tools/, or is dead code.',
      severity: 'error',
      from: { path: '^handlers/(planner|sender|receiver)[.]ts$' },
      to: {
        path: '^handlers/',
        pathNot: '^handlers/(planner[.]ts|sender[.]ts|receiver[.]ts|surface[.]ts)$',
        reachable: false,
      },
    },
    {
      name: 'product-not-to-scripts-bench-test',
      comment:
        'The product code (handlers/, tools/, packages/cli/src/, bin/) imports nothing of scripts/, bench/ or test/.',
      severity: 'error',
      from: { path: '^(handlers|tools|packages/cli/src|bin)/' },
      to: { path: '^(scripts|bench|test)/' },
    },
    {
      name: 'no-folder-cycle',
      comment:
        'No two folders import each other, directly or through others (files of one folder import each other freely).',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'tools-top-files-look-down',
      comment:
        "The files at tools/'s top are shared by its folders and import none of them: the folder scope of " +
        'no-folder-cycle counts a folder with its subfolders, so it would not see such a cycle.',
      severity: 'error',
      from: { path: '^tools/[^/]+$' },
      to: { path: '^tools/[^/]+/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves: one the cruise cannot follow is one no rule above would see.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages' `exports` maps, as Node and TypeScript read them.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
