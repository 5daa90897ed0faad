import type * as z from 'zod';

export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** `audience.params[2]` style paths: what a person reads in an error and finds in their JSON. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

export function toIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
