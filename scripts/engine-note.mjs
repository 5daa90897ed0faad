// Runs after "npm ci" / "npm install" in a checkout (the root postinstall). npm itself may run on an older Node than
// some development dependencies ask for; it then prints an EBADENGINE warning for each. This says, once, why those
// warnings do not matter: the npm scripts run on the Node that the install added (the `node` dev dependency).
// Silent when npm's Node satisfies every dependency. Plain JavaScript for any Node that runs npm.
import { readFileSync } from 'node:fs';

const readJson = (name) => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), 'utf8'));

const hostVersion = /\bnode\/v(\d+)\.(\d+)\.(\d+)/.exec(process.env.npm_config_user_agent ?? '');
const atLeast = (version, minimum) => {
  for (let index = 0; index < 3; index++) {
    if (version[index] !== minimum[index]) return version[index] > minimum[index];
  }
  return true;
};

if (hostVersion) {
  const host = hostVersion.slice(1, 4).map(Number);
  const lock = readJson('package-lock.json');
  const added = readJson('package.json').devDependencies.node.split('.')[0];
  const wanting = Object.entries(lock.packages ?? {}).flatMap(([path, entry]) => {
    const minimum = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(entry.engines?.node ?? '');
    if (!path || !minimum) return [];
    const required = minimum.slice(1, 4).map((part) => Number(part ?? 0));
    return atLeast(host, required) ? [] : [`${path.split('node_modules/').pop()} (Node >= ${required.join('.')})`];
  });
  if (wanting.length > 0) {
    process.stderr.write(
      `note: npm ran on Node.js v${host.join('.')}; its EBADENGINE warnings for ${wanting.join(', ')} do not ` +
        'matter here. They are development dependencies of the local runtime and the tests, and "npm start", ' +
        `"npm test" and the other npm scripts run them on the Node ${added} this install added (the node@${added} ` +
        'dev dependency). Only running "node bin/notifier.mjs start" with this Node would need Node.js 22.13 or ' +
        'later, and it says so.\n',
    );
  }
}
