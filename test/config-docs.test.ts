// docs/CONFIG.md is generated from the schema the handlers validate with (scripts/config-docs.ts), and its examples
// are config files that `notifier config validate` accepts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_DOC, examples, fieldTable, renderConfigDoc, sections, typeOf } from '../scripts/config-docs.js';
import { documentKey, fileEntries, knownItems, validateAll } from '../tools/cli/config-explain.js';

describe('docs/CONFIG.md', () => {
  it('is what the schema gives (regenerate with "npm run docs:config")', () => {
    assert.equal(readFileSync(CONFIG_DOC, 'utf8'), renderConfigDoc());
  });

  it('documents every kind and every field of the schema, with its default', () => {
    const doc = readFileSync(CONFIG_DOC, 'utf8');
    for (const [name, schema] of Object.entries(sections())) {
      if (name === 'secret') continue;
      for (const field of Object.keys(schema.properties ?? {})) assert.ok(doc.includes(`| \`${field}\` |`), field);
    }
    assert.match(doc, /\| `idColumn` \| [^|]+ \| `"id"` \|/);
    assert.match(doc, /\| `recipientColumn` \| [^|]+ \| `"psid"` \|/);
    for (const shape of ['`ssmParameter`', '`secretsManager`', '`jsonKey` (optional)', '`inline`'])
      assert.ok(doc.includes(shape), shape);
  });

  it('refuses a field that nothing describes', () => {
    assert.throws(
      () => fieldTable('job', { properties: { mystery: { type: 'string' } } }),
      /job\.mystery has no description/,
    );
    assert.equal(typeOf({ type: 'integer', minimum: 1, maximum: 50 }), 'integer, 1-50');
  });

  for (const [type, items] of Object.entries(examples())) {
    it(`the ${type} example is a valid config file, every job's references included`, () => {
      const known = knownItems(items.map(documentKey));
      const { errors, items: valid } = validateAll(fileEntries(`${type} example`, items), known, `${type} example`);
      assert.deepEqual(
        errors.map((error) => error.message),
        [],
      );
      assert.deepEqual(valid.map((item) => item.kind).sort(), ['channel', 'database', 'job']);
      assert.ok(valid.some((item) => item.kind === 'channel' && item.type === type));
      const block = JSON.stringify(items, null, 2);
      assert.ok(readFileSync(CONFIG_DOC, 'utf8').includes(block), `the ${type} example is in docs/CONFIG.md as it is`);
    });
  }
});
