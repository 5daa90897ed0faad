export type RowFields = Readonly<Record<string, string | number | boolean | null>>;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

// {{ field }} or {{ field | "fallback" }}; field names are SQL column names.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?\}\}/g;

/** The fields a template needs, so the planner ships only those in each task. */
export function templateFields(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string))];
}

/**
 * Renders `template` with `fields`. A missing field without a fallback is an error naming the field: sending
 * "Hello ," to a million people is worse than not sending.
 */
export function renderTemplate(template: string, fields: RowFields): string {
  return template.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (value === undefined || value === null || value === '') {
      if (fallback !== undefined) return fallback.replace(/\\(.)/g, '$1');
      throw new TemplateError(name, `template field "${name}" is missing or empty and has no fallback`);
    }
    return String(value);
  });
}

/**
 * Every field of `template` a recipient lacks (missing, NULL or empty) that has no fallback: what would stop the send.
 */
export function missingFields(template: string, fields: RowFields): string[] {
  const missing = [...template.matchAll(PLACEHOLDER)].filter(([, name, fallback]) => {
    const value = Object.hasOwn(fields, name as string) ? fields[name as string] : undefined;
    return fallback === undefined && (value === undefined || value === null || value === '');
  });
  return [...new Set(missing.map((match) => match[1] as string))];
}
