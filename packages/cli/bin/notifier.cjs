#!/usr/bin/env node
// Checks the Node version before loading the bundle, which needs the Node that "engines" names: on an older Node it
// says what is needed instead of failing on a missing API. Plain CommonJS and ES5, so that any Node can run it.
'use strict';

var required = /^>=\s*(\d+)/.exec(require('../package.json').engines.node);
var major = Number(process.versions.node.split('.')[0]);
if (required && major < Number(required[1])) {
  process.stderr.write(
    'notifier needs Node.js ' +
      required[1] +
      ' or later; this is Node.js ' +
      process.version +
      ' (' +
      process.execPath +
      '): run it on that Node with npx, naming the package as you installed it, e.g. "npx -p node@' +
      required[1] +
      ' -p ./terraform-aws-notifier-cli-<version>.tgz notifier ...", or install Node.js ' +
      required[1] +
      ' ("nvm install ' +
      required[1] +
      '" or https://nodejs.org/en/download).\n',
  );
  process.exit(1);
}
import('../dist/notifier.mjs');
