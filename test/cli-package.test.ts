import assert from 'node:assert/strict';
import { execFileSync, type SpawnSyncOptions, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  newestReleased,
  pinnedVersions,
  pinVersion,
  readVersions,
  releaseChangelog,
  releasedNotes,
  tagCommand,
} from '../scripts/release.js';
import { localRuntimeUnavailable } from '../tools/cli/local-start.js';

const root = join(import.meta.dirname, '..');
const rootVersion: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const cliManifest = JSON.parse(readFileSync(join(root, 'packages', 'cli', 'package.json'), 'utf8'));
// The plain Node binary of the `node` dev dependency, as the Lambda runtime runs it: no tsx, no loader.
const checkoutNode = join(root, 'node_modules', 'node', 'bin', 'node');
const checkoutNodeMajor: string = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).devDependencies.node.split('.')[0];

function sh(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  return { code: result.status, out: String(result.stdout ?? '').trim(), err: String(result.stderr ?? '').trim() };
}

/** The machine's own Node older than 22, found on PATH outside node_modules (the `node` dev dependency's is in it). */
function systemOldNode(): string | undefined {
  const found = sh('which', ['-a', 'node'])
    .out.split('\n')
    .filter((path) => path && !path.includes('node_modules'));
  return found.find((path) => Number(sh(path, ['-p', 'process.versions.node.split(".")[0]']).out) < 22);
}

const VALID_ITEMS = [
  {
    kind: 'database',
    id: 'app-db',
    host: 'db.internal',
    database: 'app',
    user: 'reader',
    password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db' },
  },
  {
    kind: 'channel',
    id: 'page',
    type: 'messenger',
    pageId: '1234',
    accessToken: { ssmParameter: '/notifier/page-token' },
  },
  {
    kind: 'job',
    id: 'daily',
    database: 'app-db',
    channel: 'page',
    audience: { sql: 'SELECT id, psid, first_name FROM users', idColumn: 'id', recipientColumn: 'psid' },
    template: { text: 'Hello {{first_name | "there"}}' },
  },
];

describe('the CLI package, packed and installed into an empty directory', () => {
  let dir: string;
  let app: string;
  let tarball: string;
  const notifier = (nodeBinary: string, ...argv: string[]) =>
    // The installed bin shim, run by whichever "node" comes first on PATH, as a shell would.
    sh(join(app, 'node_modules', '.bin', 'notifier'), argv, {
      cwd: dir,
      env: { PATH: [dirname(nodeBinary), '/usr/bin', '/bin'].join(delimiter), HOME: dir, AWS_REGION: 'eu-west-1' },
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'notifier-cli-package-'));
    const packed = sh('npm', ['pack', '--pack-destination', dir], { cwd: join(root, 'packages', 'cli') });
    assert.equal(packed.code, 0, packed.err);
    tarball = join(dir, readdirSync(dir).find((name) => name.endsWith('.tgz')) ?? 'no tarball');
    app = join(dir, 'app');
    mkdirSync(app);
    const installed = sh('npm', [
      'install',
      '--prefix',
      app,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(dir, 'npm-cache'),
      tarball,
    ]);
    assert.equal(installed.code, 0, installed.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the launcher, one bundle, README and LICENSE, and installs with no dependencies', (t) => {
    const entries = sh('tar', ['-tzf', tarball]).out.split('\n').sort();
    assert.deepEqual(entries, [
      'package/LICENSE',
      'package/README.md',
      'package/bin/notifier.cjs',
      'package/dist/notifier.mjs',
      'package/package.json',
    ]);
    const installed = join(app, 'node_modules', cliManifest.name);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies, undefined);
    const packages = readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'));
    assert.deepEqual(packages, [cliManifest.name]);
    const unpacked = entries.reduce(
      (sum, entry) => sum + statSync(join(installed, entry.slice('package/'.length))).size,
      0,
    );
    t.diagnostic(
      `${cliManifest.name}: tarball ${statSync(tarball).size} bytes, unpacked ${unpacked} bytes, ${packages.length - 1} dependencies`,
    );
  });

  it('answers --help, --version, config validate and cost on the plain Node of the checkout', () => {
    assert.match(sh(checkoutNode, ['--version']).out, new RegExp(`^v${checkoutNodeMajor}\\.`));
    const help = notifier(checkoutNode, '--help');
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^notifier <command> \[options\][\s\S]*config \.\.\.[\s\S]*cost /);

    const version = notifier(checkoutNode, '--version');
    assert.equal(version.code, 0, version.err);
    assert.match(
      version.out,
      new RegExp(
        `^notifier ${rootVersion.replaceAll('.', '\\.')} \\(for the terraform-aws-notifier module ${rootVersion.replaceAll('.', '\\.')};`,
      ),
    );

    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(VALID_ITEMS));
    const valid = notifier(checkoutNode, 'config', 'validate', 'jobs.json');
    assert.equal(valid.code, 0, valid.err);
    assert.match(valid.out, /3 items valid/);
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify([{ ...VALID_ITEMS[2], audience: { sql: 'SELECT 1', idColumn: 'no spaces' } }]),
    );
    const invalid = notifier(checkoutNode, 'config', 'validate', 'bad.json');
    assert.equal(invalid.code, 1);
    assert.match(invalid.err, /daily: audience\.idColumn: must be a plain column name/);
    assert.doesNotMatch(invalid.err, /\n\s+at /);

    const cost = notifier(checkoutNode, 'cost', '--audience', '1000000', '--json');
    assert.equal(cost.code, 0, cost.err);
    assert.ok(JSON.stringify(JSON.parse(cost.out)).includes('perMillion'));
    const badCost = notifier(checkoutNode, 'cost', '--audience', 'lots');
    assert.notEqual(badCost.code, 0);
    assert.match(badCost.err, /--audience/);
  });

  it('says that "start" needs a checkout', () => {
    const start = notifier(checkoutNode, 'start');
    assert.equal(start.code, 1);
    assert.match(start.err, /checkout of the terraform-aws-notifier repository[\s\S]*npm ci && npm start/);
  });

  it('says on an older Node what it needs, without a stack trace', (t) => {
    const old = systemOldNode();
    if (!old) return t.skip('no Node older than 22 on this machine');
    const result = notifier(old, '--version');
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.match(
      result.err,
      new RegExp(
        `^notifier needs Node\\.js 22 or later; this is Node\\.js v${sh(old, ['-p', 'process.versions.node']).out.replaceAll('.', '\\.')} `,
      ),
    );
    assert.doesNotMatch(result.err, /\n\s+at |Error/);
    assert.match(
      result.err,
      /^[^\n]*npx -p node@22 [^\n]*nvm install 22[^\n]*$/,
      'one line: what it needs, found, and how',
    );
  });

  it('has the version of the module, the changelog and the README everywhere', () => {
    const versions = readVersions(root);
    assert.deepEqual(
      versions.filter((entry) => entry.version !== rootVersion),
      [],
    );
    assert.ok(
      versions.some((entry) => entry.where === 'README.md'),
      'the README pins the module version',
    );
    assert.ok(versions.some((entry) => entry.where === 'packages/cli/package.json'));
    assert.match(
      notifier(checkoutNode, '--version').out,
      new RegExp(`^notifier ${rootVersion.replaceAll('.', '\\.')} `),
    );
  });
});

describe("the checkout's CLI on a Node without node:sqlite", () => {
  it('"start" says what to do instead of crashing', (t) => {
    const old = systemOldNode();
    if (!old) return t.skip('no Node older than 22 on this machine');
    const result = sh(old, ['bin/notifier.mjs', 'start'], { cwd: root });
    assert.equal(result.code, 1);
    assert.match(result.err, /^notifier start needs node:sqlite \(Node\.js 22\.13 or later\)[^\n]*"npm start"[^\n]*$/);
    assert.doesNotMatch(result.err, /No such built-in module|\n\s+at /);
    // The commands that need nothing more run there as they did.
    assert.equal(sh(old, ['bin/notifier.mjs', 'cost', '--audience', '1000', '--json'], { cwd: root }).code, 0);
  });

  it('the local runtime check names the Node it found', () => {
    assert.equal(localRuntimeUnavailable({ version: process.version, hasSqlite: true }), undefined);
    assert.match(
      localRuntimeUnavailable({ version: 'v22.12.0', hasSqlite: false }) ?? '',
      new RegExp(
        `^[^\\n]*this is Node\\.js v22\\.12\\.0: run "npm start"[^\\n]*` +
          `npx -p node@${checkoutNodeMajor} node bin/notifier\\.mjs start[^\\n]*$`,
      ),
    );
  });
});

describe('release', () => {
  const CHANGELOG =
    '# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n- A thing.\n\n## [0.1.0] - 2026-01-02\n\n### Added\n- First.\n';

  it('moves the Unreleased section under the version and leaves an empty one above', () => {
    assert.equal(
      releaseChangelog(CHANGELOG, '0.2.0', '2026-12-01'),
      '# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Added\n- A thing.\n\n## [0.1.0] - 2026-01-02\n\n### Added\n- First.\n',
    );
    assert.equal(
      releaseChangelog('## [Unreleased]\n\n- Only.\n', '0.1.0', '2026-12-01'),
      '## [Unreleased]\n\n## [0.1.0] - 2026-12-01\n\n- Only.\n',
    );
    assert.throws(
      () => releaseChangelog('## [Unreleased]\n\n## [0.1.0] - 2026-01-02\n- First.\n', '0.2.0', '2026-12-01'),
      /empty: nothing to release/,
    );
    assert.throws(() => releaseChangelog('# Changelog\n', '0.2.0', '2026-12-01'), /no "## \[Unreleased\]"/);
  });

  it("finds a release's section and writes the tag command a shell runs as it reads", () => {
    assert.equal(releasedNotes(CHANGELOG, '0.1.0'), '### Added\n- First.');
    assert.throws(() => releasedNotes(CHANGELOG, '0.3.0'), /no "## \[0\.3\.0\]" section/);
    assert.equal(
      tagCommand('0.1.0', "### Added\n- Bob's `thing`."),
      "git tag -a v0.1.0 --cleanup=verbatim -m 'v0.1.0\n\n### Added\n- Bob'\\''s `thing`.'",
    );
  });

  it('CHANGELOG.md records the version every file carries as released', () => {
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    assert.equal(newestReleased(changelog), rootVersion);
    assert.match(releasedNotes(changelog, rootVersion), /^The first release|### Added/);
  });

  it('pins the module in usage snippets and leaves other constraints alone', () => {
    const readme = [
      'module "notifier" {',
      '  source  = "acme/notifier/aws" # or "git::https://github.com/acme/terraform-aws-notifier.git?ref=v0.1.0"',
      '  version = "~> 0.1"',
      '}',
      'provider "aws" {}',
      'terraform { required_providers { aws = {',
      '  source  = "hashicorp/aws"',
      '  version = "~> 5.0"',
      '} } }',
    ].join('\n');
    assert.deepEqual(pinnedVersions(readme), { constraint: ['0.1'], ref: ['0.1.0'] });
    const pinned = pinVersion(readme, '0.2.0');
    assert.deepEqual(pinnedVersions(pinned), { constraint: ['0.2.0'], ref: ['0.2.0'] });
    assert.match(pinned, /source {2}= "hashicorp\/aws"\n {2}version = "~> 5\.0"/);
  });

  describe('npm run release on a clone of this working tree', () => {
    let clone: string;
    let released: string;
    const unreleasedNotesIn = (changelog: string) =>
      /^## \[Unreleased\][^\n]*\n([\s\S]*?)(?=^## \[|$(?![\s\S]))/m.exec(changelog)?.[1]?.trim();
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Release Test',
      GIT_AUTHOR_EMAIL: 'release@example.invalid',
      GIT_COMMITTER_NAME: 'Release Test',
      GIT_COMMITTER_EMAIL: 'release@example.invalid',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'commit.gpgsign',
      GIT_CONFIG_VALUE_0: 'false',
      GIT_CONFIG_KEY_1: 'tag.gpgsign',
      GIT_CONFIG_VALUE_1: 'false',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, env, encoding: 'utf8' }).trim();
    // --skip-checks: the release's "npm test" is the suite this test runs in; everything else runs as it would.
    const release = (...args: string[]) =>
      sh(process.execPath, ['--import', 'tsx', 'scripts/release.ts', ...args], { cwd: clone, env });

    before(() => {
      clone = join(mkdtempSync(join(tmpdir(), 'notifier-release-')), 'repo');
      execFileSync('git', ['clone', '--quiet', root, clone], { env });
      // The working tree as it is, not only its last commit: changed and new files are laid over the clone.
      const changed = execFileSync('git', ['ls-files', '-z', '--modified', '--others', '--exclude-standard'], {
        cwd: root,
        encoding: 'utf8',
      })
        .split('\0')
        .filter((file) => file && file !== 'node_modules');
      for (const file of new Set(changed)) {
        if (!existsSync(join(root, file))) rmSync(join(clone, file), { force: true });
        else {
          mkdirSync(dirname(join(clone, file)), { recursive: true });
          cpSync(join(root, file), join(clone, file));
        }
      }
      symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'));
      if (changed.length > 0) {
        git('add', '--all', '--', '.', ':!node_modules');
        git('commit', '--quiet', '--allow-empty', '-m', 'test: the working tree');
      }
      // The newest release is only tagged by the test below; the release after it needs something to release.
      released = newestReleased(readFileSync(join(clone, 'CHANGELOG.md'), 'utf8')) ?? '';
      if (git('tag', '--list', `v${released}`)) git('tag', '-d', `v${released}`);
      const changelog = readFileSync(join(clone, 'CHANGELOG.md'), 'utf8');
      if (!unreleasedNotesIn(changelog)) {
        writeFileSync(
          join(clone, 'CHANGELOG.md'),
          changelog.replace(
            '## [Unreleased]\n',
            '## [Unreleased]\n\nThe next release.\n\n### Added\n\n- A change to release.\n',
          ),
        );
        git('commit', '--quiet', '-am', 'test: a change to release');
      }
    });
    after(() => rmSync(dirname(clone), { recursive: true, force: true }));

    it('refuses a version that is not X.Y.Z, not a step forward, or a dirty tree', () => {
      assert.equal(release('1.0').code, 2);
      assert.match(release('0.0.9', '--dry-run', '--skip-checks').err, /0\.0\.9 does not follow/);
      writeFileSync(join(clone, 'README.md'), `${readFileSync(join(clone, 'README.md'), 'utf8')}\nedited\n`);
      assert.match(release('0.2.0', '--dry-run', '--skip-checks').err, /uncommitted changes/);
      git('checkout', '--', 'README.md');
    });

    it('a release the files record but no tag marks: prints its section and tag command, then tags it', () => {
      const notes = releasedNotes(readFileSync(join(clone, 'CHANGELOG.md'), 'utf8'), released);
      const dry = release(released, '--dry-run');
      assert.equal(dry.code, 0, dry.err);
      assert.ok(dry.out.includes(tagCommand(released, notes)), dry.out);
      assert.match(dry.out, new RegExp(`git tag -a v${released.replaceAll('.', '\\.')} `));
      assert.equal(git('tag', '--list', `v${released}`), '');
      // The printed command, run by a shell, makes the tag the release would.
      execFileSync('bash', ['-c', tagCommand(released, notes)], { cwd: clone, env });
      const message = git('tag', '--list', '--format=%(contents)', `v${released}`);
      assert.equal(message, `v${released}\n\n${notes}`);
      git('tag', '-d', `v${released}`);
      const tagged = release(released);
      assert.equal(tagged.code, 0, tagged.err);
      assert.equal(git('cat-file', '-t', `v${released}`), 'tag');
      assert.equal(git('tag', '--list', '--format=%(contents)', `v${released}`), message);
      assert.match(release(released).err, /exists already/);
    });

    it('--dry-run builds and shows the release, then commits, tags and changes nothing', () => {
      const head = git('rev-parse', 'HEAD');
      const result = release('0.2.0', '--dry-run', '--skip-checks');
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, new RegExp(`\\+## \\[0\\.2\\.0\\] - ${new Date().toISOString().slice(0, 10)}`));
      assert.match(result.out, /dry run: \S+ -> 0\.2\.0/);
      assert.match(result.out, /the tag it would create:\ngit tag -a v0\.2\.0 --cleanup=verbatim -m 'v0\.2\.0\n\n/);
      assert.ok(existsSync(join(clone, 'packages', 'cli', 'dist', 'notifier.mjs')), 'the CLI was built');
      assert.equal(git('rev-parse', 'HEAD'), head);
      assert.equal(git('tag', '--list', 'v0.2.0'), '');
      assert.equal(git('status', '--porcelain', '--untracked-files=no'), '');
    });

    it('sets the version everywhere, releases the changelog, commits and creates the annotated tag', () => {
      const before = readFileSync(join(clone, 'CHANGELOG.md'), 'utf8');
      const result = release('0.2.0', '--skip-checks');
      assert.equal(result.code, 0, result.err);
      assert.deepEqual(
        readVersions(clone).filter((entry) => entry.version !== '0.2.0'),
        [],
      );
      assert.ok(readVersions(clone).some((entry) => entry.where === 'CHANGELOG.md (newest release)'));
      const date = new Date().toISOString().slice(0, 10);
      assert.equal(readFileSync(join(clone, 'CHANGELOG.md'), 'utf8'), releaseChangelog(before, '0.2.0', date));
      assert.equal(git('log', '-1', '--format=%s'), 'chore(release): v0.2.0');
      assert.equal(git('cat-file', '-t', 'v0.2.0'), 'tag');
      assert.equal(git('rev-parse', 'v0.2.0^{commit}'), git('rev-parse', 'HEAD'));
      assert.match(git('tag', '--list', '--format=%(contents)', 'v0.2.0'), /^v0\.2\.0\n\n(?:[\s\S]*\n)?### Added\n/);
      assert.equal(git('status', '--porcelain', '--untracked-files=no'), '');
      // The lockfile keeps its formatting: only its two version fields change.
      assert.equal(git('diff', '--numstat', 'HEAD~1', 'HEAD', '--', 'package-lock.json'), '2\t2\tpackage-lock.json');
      assert.match(release('0.2.0', '--skip-checks').err, /tag v0\.2\.0 exists/);
      assert.match(
        release('0.2.1', '--dry-run', '--skip-checks').err,
        /the Unreleased section of CHANGELOG\.md is empty/,
      );
    });
  });
});
