import * as z from 'zod';
import type { NumberRange } from '../common/number-range.js';

/**
 * The building blocks of the cost model's input schema (tools/cost/input.ts): each field is declared once, with its
 * default, the values it accepts and what it means, and `notifier cost` derives its flags, their ranges and its help
 * from the same declaration (`FIELD_META`).
 */

/** Where a flag is listed in `notifier cost --help`. */
export type FlagSection =
  | 'Workload'
  | 'Module settings'
  | 'Job settings'
  | 'Measured durations'
  | 'Comparison'
  | 'Output';

/** The `notifier cost` flag that sets a field. */
export interface FieldFlag {
  /** Without the leading dashes. */
  readonly name: string;
  readonly section: FlagSection;
  /** The value's placeholder in the help (N, MS, MB); a boolean field's flag takes no value. */
  readonly unit?: string;
  /**
   * What giving the flag does, its help line in place of the field's description: a switch's flag sets its field to
   * the opposite of the default, which the field's description (what the field is) does not tell.
   */
  readonly description?: string;
}

/** The flag of a switch: it takes no value, and says what it does. */
export type SwitchFlag = FieldFlag & { readonly description: string };

interface MetaBase {
  /** What the field is: the help line of its flag unless the flag has its own, or the field's documentation. */
  readonly description: string;
  readonly flag?: FieldFlag;
}

export type FieldMeta = MetaBase &
  (
    | { readonly kind: 'number'; readonly range: NumberRange }
    | { readonly kind: 'choice'; readonly choices: readonly string[] }
    | { readonly kind: 'text' }
    /** A boolean field's flag sets it to `sets`, the opposite of its default. */
    | { readonly kind: 'switch'; readonly sets: boolean }
  );

/** The metadata of every field of the cost model's input, by its schema. */
export const FIELD_META = z.registry<FieldMeta>();

/** Declares a flag in the help's `section`. */
export const flag = (section: FlagSection, name: string, unit?: string): FieldFlag =>
  unit === undefined ? { name, section } : { name, section, unit };

/** Declares a switch's flag in the help's `section`, with `description`: what giving the flag does. */
export const switchFlag = (section: FlagSection, name: string, description: string): SwitchFlag => ({
  name,
  section,
  description,
});

const shown = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value));
const got = (predicate: string) => (issue: { readonly input?: unknown }) => `${predicate}, got ${shown(issue.input)}`;

/** The error for a value under the range's lower bound. */
function lowerBound(range: NumberRange): string {
  if (range.min === 0) return range.above ? 'must be a positive number' : 'must be zero or more';
  return range.above ? `must be more than ${range.min}` : `must be at least ${range.min}`;
}

/** A number in `range`, `fallback` when not given. */
export function numberField(description: string, fallback: number, range: NumberRange, fieldFlag?: FieldFlag) {
  let schema = z.number({ error: got('must be a number') });
  if (range.integer) schema = schema.int({ error: got('must be a whole number') });
  const low = { error: got(lowerBound(range)) };
  schema = range.above ? schema.gt(range.min, low) : schema.min(range.min, low);
  if (range.max !== undefined)
    schema = schema.max(range.max, {
      error: got(`must be at most ${range.max}${range.limit ? ` (${range.limit})` : ''}`),
    });
  return schema.default(fallback).register(FIELD_META, { kind: 'number', range, ...described(description, fieldFlag) });
}

/**
 * One of `choices`, `fallback` when not given. `refusal` says what a value outside them lacks (e.g. a price table);
 * without it the error shows the value given.
 */
export function choiceField<const T extends readonly string[]>(
  description: string,
  choices: T,
  fallback: T[number],
  fieldFlag?: FieldFlag,
  refusal?: (value: string) => string,
) {
  const accepted = `must be one of ${choices.join(', ')}`;
  const error = (issue: { readonly input?: unknown }) =>
    refusal ? `${accepted}: ${refusal(String(issue.input))}` : got(accepted)(issue);
  return z
    .enum(choices, { error })
    .default(fallback)
    .register(FIELD_META, { kind: 'choice', choices, ...described(description, fieldFlag) });
}

/** A name checked against other fields (e.g. an instance type against the region's prices). */
export function textField(description: string, fallback: string, fieldFlag?: FieldFlag) {
  return z
    .string({ error: got('must be a text') })
    .min(1, { error: got('must not be empty') })
    .default(fallback)
    .register(FIELD_META, { kind: 'text', ...described(description, fieldFlag) });
}

/** A boolean whose flag, if any, sets it to the opposite of `fallback` and says so in its own description. */
export function switchField(description: string, fallback: boolean, fieldFlag?: SwitchFlag) {
  return z
    .boolean({ error: got('must be true or false') })
    .default(fallback)
    .register(FIELD_META, { kind: 'switch', sets: !fallback, ...described(description, fieldFlag) });
}

const described = (description: string, fieldFlag: FieldFlag | undefined) =>
  fieldFlag ? { description, flag: fieldFlag } : { description };
