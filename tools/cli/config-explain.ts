// What `notifier config` adds to the schema's verdict so that an error teaches: the shapes a secret reference may
// take, the field a typo meant, and the job whose database or channel is nowhere to be found.
import { ConfigError, type ConfigItem, configJsonSchema, parseAnyConfigItem } from '../../handlers/surface.js';

/** A node of the config JSON Schema (`configJsonSchema()`), as far as this CLI and the docs generator read it. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

/** Edits between two words, a swap of neighbours counting as one (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i + j));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The candidate a mistyped word most likely meant: case aside, within a third of its length (at least 2 edits). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

let schemaCache: JsonSchema | undefined;
const rootSchema = () => {
  schemaCache ??= configJsonSchema() as JsonSchema;
  return schemaCache;
};

const variants = (schema: JsonSchema): readonly JsonSchema[] => schema.anyOf ?? schema.oneOf ?? [schema];

/** The object schema of a document's kind (and channel type), as far as the document says which. */
function itemSchema(document: unknown): JsonSchema | undefined {
  const fields = (document ?? {}) as Record<string, unknown>;
  const all = variants(rootSchema()).flatMap(variants);
  const ofKind = all.filter((schema) => schema.properties?.kind?.const === fields.kind);
  return ofKind.find((schema) => schema.properties?.type?.const === fields.type) ?? ofKind[0];
}

/** `audience.params[2]` or `x["odd key"]` back into its steps. */
function pathSteps(path: string): (string | number)[] {
  return [...path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)].map((match) =>
    match[1] !== undefined ? Number(match[1]) : match[2] !== undefined ? JSON.parse(`"${match[2]}"`) : match[3],
  );
}

/** The schema at a path of an item, descending through objects and arrays. */
function schemaAt(document: unknown, steps: readonly (string | number)[]): JsonSchema | undefined {
  let schema = itemSchema(document);
  for (const step of steps) {
    if (!schema) return undefined;
    schema = typeof step === 'number' ? schema.items : schema.properties?.[step];
  }
  return schema;
}

function valueAt(document: unknown, steps: readonly (string | number)[]): unknown {
  return steps.reduce<unknown>(
    (value, step) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined),
    document,
  );
}

/** `{ "secretsManager": "<Secrets Manager secret ARN or name>", "jsonKey"?: "<...>" }`: one shape of a union. */
function shape(schema: JsonSchema): string {
  const fields = Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const optional = schema.required?.includes(name) ? '' : '?';
    return `"${name}"${optional}: "<${field.description ?? field.type ?? 'value'}>"`;
  });
  return `{ ${fields.join(', ')} }`;
}

const isObjectUnion = (schema: JsonSchema | undefined): schema is JsonSchema =>
  Boolean(schema?.anyOf && schema.anyOf.length > 1 && schema.anyOf.every((option) => option.type === 'object'));

/** Why a value matches none of a union of objects (a secret reference), and the shapes it may take. */
function explainUnion(union: JsonSchema, value: unknown): string {
  const shapes = union.anyOf?.map(shape) ?? [];
  const expected = `expected ${shapes.slice(0, -1).join(', ')} or ${shapes.at(-1)}`;
  if (typeof value === 'string')
    return `is a plain string, but a secret is stored by reference, never by value: ${expected}`;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return `is ${Array.isArray(value) ? 'an array' : (JSON.stringify(value) ?? 'missing')}: ${expected}`;
  const known = (union.anyOf ?? []).flatMap((option) => Object.keys(option.properties ?? {}));
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  const hints = unknown.map((key) => {
    const meant = closest(key, known);
    return `"${key}" is not a secret reference field${meant ? ` (did you mean "${meant}"?)` : ''}`;
  });
  return [...hints, expected].join('; ');
}

/** The issue as a person can act on it; issues the schema already words well are kept as they are. */
function explainIssue(document: unknown, issue: { path: string; message: string }): { path: string; message: string } {
  const steps = pathSteps(issue.path);
  if (issue.message === 'is not a known field') {
    const key = String(steps.at(-1));
    const parent = schemaAt(document, steps.slice(0, -1));
    const fields = Object.keys(parent?.properties ?? {});
    if (fields.length === 0) return issue;
    const meant = closest(key, fields);
    return {
      path: issue.path,
      message: meant
        ? `is not a known field (did you mean "${meant}"?)`
        : `is not a known field; the fields here are ${fields.map((field) => `"${field}"`).join(', ')}`,
    };
  }
  const schema = schemaAt(document, steps);
  if (issue.message === 'Invalid input' && isObjectUnion(schema))
    return { path: issue.path, message: explainUnion(schema, valueAt(document, steps)) };
  return issue;
}

/** The same error with each issue explained where it can be. */
export function explainConfigError(document: unknown, error: ConfigError): ConfigError {
  return new ConfigError(
    error.item,
    error.issues.map((issue) => explainIssue(document, issue)),
  );
}

/** The ids of the items a job may name, by kind. */
export interface KnownItems {
  readonly database: ReadonlySet<string>;
  readonly channel: ReadonlySet<string>;
}

/** Every `<kind>#<id>` key a source holds, as KnownItems. */
export function knownItems(keys: Iterable<string>): KnownItems {
  const database = new Set<string>();
  const channel = new Set<string>();
  for (const key of keys) {
    const [kind, ...rest] = key.split('#');
    if (kind === 'database') database.add(rest.join('#'));
    if (kind === 'channel') channel.add(rest.join('#'));
  }
  return { database, channel };
}

/** The database and channel a job document names, whether or not the rest of it is valid. */
function references(document: unknown): { database?: unknown; channel?: unknown } | undefined {
  const fields = (document ?? {}) as { kind?: unknown; database?: unknown; channel?: unknown };
  return fields.kind === 'job' ? fields : undefined;
}

/** The issues of a job whose database or channel is not among the known items (none for other kinds). */
export function danglingReferences(
  document: unknown,
  known: KnownItems,
  where: string,
): { path: string; message: string }[] {
  const job = references(document);
  if (!job) return [];
  return (['database', 'channel'] as const).flatMap((kind) => {
    const id = job[kind];
    if (typeof id !== 'string' || known[kind].has(id)) return [];
    const ids = [...known[kind]].sort();
    const meant = closest(id, ids);
    const hint = meant
      ? ` (did you mean "${meant}"?)`
      : ids.length > 0
        ? ` (its ${kind} items: ${ids.map((other) => `"${other}"`).join(', ')})`
        : ` (it has no ${kind} item)`;
    return [{ path: kind, message: `names ${kind} item "${id}", which is not in ${where}${hint}` }];
  });
}

export interface Entry {
  /** How errors name the item: its source and id. */
  readonly label: string;
  readonly document?: unknown;
  /** Why the stored item has no usable document. */
  readonly problem?: string | undefined;
}

/** Every entry parsed, each error explained; a valid job must name a database and a channel among the known items. */
export function validateAll(
  entries: readonly Entry[],
  known: KnownItems,
  where: string,
): { items: ConfigItem[]; documents: unknown[]; errors: ConfigError[] } {
  const items: ConfigItem[] = [];
  const documents: unknown[] = [];
  const errors: ConfigError[] = [];
  for (const { label, document, problem } of entries) {
    if (problem) {
      errors.push(new ConfigError(label, [{ path: '(item)', message: problem }]));
      continue;
    }
    const dangling = danglingReferences(document, known, where);
    try {
      const item = parseAnyConfigItem(document, label);
      if (dangling.length > 0) errors.push(new ConfigError(label, dangling));
      else {
        items.push(item);
        documents.push(document);
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const explained = explainConfigError(document, error);
      errors.push(new ConfigError(label, [...explained.issues, ...dangling]));
    }
  }
  return { items, documents, errors };
}

/** `<kind>#<id>` of a document, as far as it has them. */
export function documentKey(document: unknown): string {
  const fields = (document ?? {}) as { kind?: unknown; id?: unknown };
  return `${String(fields.kind)}#${String(fields.id)}`;
}

/** A file's items, labelled `<file> item <id>` (`#<n>` without an id). */
export function fileEntries(path: string, documents: readonly unknown[]): Entry[] {
  return documents.map((document, index) => {
    const id = (document as { id?: unknown } | undefined)?.id;
    return { label: `${path} item ${id === undefined ? `#${index + 1}` : String(id)}`, document };
  });
}
