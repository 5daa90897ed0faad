// Reads a Terraform module directory (*.tf and *.tf.json) into what terraform-docs documents, with its defaults:
// requirements, providers (constraints, not a lock file's versions), module calls, resources, inputs and outputs,
// sorted as terraform-docs sorts them, comment-derived descriptions and `terraform-docs-ignore` included.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { literal, parseBody, topLevelBlocks } from './hcl.mjs';

/** Loads every configuration file of `dir` (not its subdirectories). */
export function loadModule(dir) {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.tf') || file.endsWith('.tf.json'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
  const blocks = files.flatMap(({ file, text }) =>
    (file.endsWith('.json') ? jsonBlocks(JSON.parse(text)) : topLevelBlocks(text)).map((block) => ({
      ...block,
      file,
      text,
    })),
  );
  return describe(blocks);
}

/** The blocks of a JSON configuration in the shape `topLevelBlocks` gives, attribute values as HCL literals. */
function jsonBlocks(config) {
  const asHcl = (value) => JSON.stringify(value);
  const labelled = (type, depth) =>
    Object.entries(config[type] ?? {}).flatMap(([first, value]) =>
      depth === 1
        ? [{ type, labels: [first], attributes: hclAttributes(value, asHcl), blocks: [] }]
        : Object.entries(value).map(([second, body]) => ({
            type,
            labels: [first, second],
            attributes: hclAttributes(body, asHcl),
            blocks: [],
          })),
    );
  const terraform = [config.terraform ?? {}].flat().map((body) => ({
    type: 'terraform',
    labels: [],
    attributes: hclAttributes(body, asHcl),
    blocks: body.required_providers
      ? [{ type: 'required_providers', body: hclObjectBody(body.required_providers) }]
      : [],
  }));
  return [
    ...terraform,
    ...labelled('variable', 1),
    ...labelled('output', 1),
    ...labelled('module', 1),
    ...labelled('resource', 2),
    ...labelled('data', 2),
  ];
}

function hclAttributes(body, asHcl) {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key]) => key !== '//')
      .map(([key, value]) => [key, asHcl(value)]),
  );
}

const hclObjectBody = (object) =>
  Object.entries(object)
    .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
    .join('\n');

/** The comment lines directly above a block, as terraform-docs joins them. */
function commentAbove(text, line) {
  const lines = text.split('\n').slice(0, line - 1);
  const comment = [];
  for (let i = lines.length - 1; i >= 0 && /^(#|\/\/)/.test(lines[i]); i -= 1) {
    comment.unshift(
      lines[i]
        .trim()
        .replace(/^(#|\/\/)/, '')
        .trim(),
    );
  }
  return comment.join(' ');
}

const comments = (block) => (block.text !== undefined && block.line ? commentAbove(block.text, block.line) : '');
const visible = (block) => !comments(block).includes('terraform-docs-ignore');
const text = (expression) => (expression === undefined ? '' : String(literal(expression)));
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function describe(blocks) {
  const requiredProviders = {};
  const requiredCore = [];
  for (const block of blocks.filter((b) => b.type === 'terraform')) {
    if (block.attributes.required_version) requiredCore.push(text(block.attributes.required_version));
    for (const nested of block.blocks.filter((b) => b.type === 'required_providers')) {
      for (const [name, expression] of Object.entries(parseBody(nested.body).attributes)) {
        const requirement = literal(expression);
        const constraints =
          typeof requirement === 'string' ? [requirement] : requirement.version ? [requirement.version] : [];
        const known = requiredProviders[name] ?? { source: '', constraints: [] };
        requiredProviders[name] = {
          source: requirement.source ?? known.source,
          constraints: [...known.constraints, ...constraints],
        };
      }
    }
  }
  const resources = resourcesOf(blocks, requiredProviders);
  return {
    requirements: [
      ...requiredCore.map((version) => ({ name: 'terraform', version })),
      ...Object.keys(requiredProviders)
        .sort()
        .flatMap((name) => requiredProviders[name].constraints.map((version) => ({ name, version }))),
    ],
    providers: providersOf(resources, requiredProviders),
    modules: blocks
      .filter((b) => b.type === 'module' && visible(b))
      .map((b) => moduleCall(b))
      .sort(byName),
    resources,
    inputs: blocks
      .filter((b) => b.type === 'variable' && visible(b))
      .map((b) => input(b))
      .sort(byName),
    outputs: blocks
      .filter((b) => b.type === 'output' && visible(b))
      .map((b) => ({ name: b.labels[0], description: text(b.attributes.description) || comments(b) }))
      .sort(byName),
  };
}

function input(block) {
  const required = block.attributes.default === undefined;
  return {
    name: block.labels[0],
    description: text(block.attributes.description).replace(/\r\n/g, '\n') || comments(block),
    type: typeText(block.attributes.type) ?? inferredType(required ? undefined : literal(block.attributes.default)),
    default: required ? undefined : literal(block.attributes.default),
    required,
  };
}

/** A type as written, except that a quoted type (legacy syntax, and every type in JSON) is its string. */
const typeText = (expression) => (expression?.startsWith('"') ? literal(expression) : expression);

function inferredType(value) {
  if (value === undefined || value === null) return 'any';
  if (Array.isArray(value)) return 'list';
  return { string: 'string', number: 'number', boolean: 'bool', object: 'map' }[typeof value];
}

/** Source and version as terraform-docs splits them: a `?ref=` of the source is the version when none is given. */
function moduleCall(block) {
  const source = text(block.attributes.source);
  const version = text(block.attributes.version);
  const ref = source.lastIndexOf('?ref=');
  if (version || ref === -1 || ref + 5 >= source.length) return { name: block.labels[0], source, version };
  return { name: block.labels[0], source: source.slice(0, ref), version: source.slice(ref + 5) };
}

function resourcesOf(blocks, requiredProviders) {
  return blocks
    .filter((b) => (b.type === 'resource' || b.type === 'data') && visible(b))
    .map((b) => {
      const [type, name] = b.labels;
      const [provider, alias = ''] = (typeText(b.attributes.provider) ?? type.split('_')[0]).split('.');
      const required = requiredProviders[provider];
      return {
        provider,
        alias,
        type: type.startsWith(`${provider}_`) ? type.slice(provider.length + 1) : type,
        name,
        mode: b.type === 'resource' ? 'managed' : 'data',
        source: required?.source || `hashicorp/${provider}`,
        version: resourceVersion(required?.constraints),
      };
    })
    .sort((a, b) => {
      const spec = (r) => `${r.provider}_${r.type}.${r.name}`;
      if (a.mode !== b.mode) return a.mode > b.mode ? -1 : 1;
      return spec(a) < spec(b) ? -1 : spec(a) > spec(b) ? 1 : 0;
    });
}

/** The version in a resource's documentation link: an exact pin, otherwise `latest`. */
function resourceVersion(constraints) {
  if (!constraints?.length) return 'latest';
  const parts = constraints.at(-1).split(' ');
  if (parts.length === 1 && /^\d/.test(parts[0])) return parts[0];
  if (parts.length === 1 && parts[0].startsWith('=')) return parts[0].slice(1);
  if (parts.length === 2 && parts[0] === '=') return parts[1];
  return 'latest';
}

function providersOf(resources, requiredProviders) {
  const found = new Map();
  for (const r of resources) {
    const key = `${r.provider}.${r.alias}`;
    if (!found.has(key)) {
      found.set(key, {
        name: r.alias ? `${r.provider}.${r.alias}` : r.provider,
        version: (requiredProviders[r.provider]?.constraints ?? []).join(' '),
      });
    }
  }
  return [...found.keys()].sort().map((key) => found.get(key));
}
