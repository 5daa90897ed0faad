import type * as z from 'zod';

export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `audience.params[2]` style paths: what a person reads in an error and finds in their JSON. Odd keys are quoted. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    if (!PLAIN_KEY.test(name)) return `${text}[${JSON.stringify(name)}]`;
    return text ? `${text}.${name}` : name;
  }, '');
}

/**
 * Every issue names where it is: an unknown key becomes an issue at that key (zod reports it on the object that
 * holds it), and a value wrong as a whole is at `(root)`.
 */
export function toIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'is not a known field' }))
      : [{ path: formatPath(issue.path) || '(root)', message: issue.message }],
  );
}
