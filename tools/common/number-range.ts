/**
 * The values a number accepts: `min` inclusive unless `above` (then the value must exceed it). One type for the CLI's
 * numeric options (tools/cli/io.ts), `notifier cost`'s among them (tools/cli/cost.ts).
 */
export interface NumberRange {
  readonly min: number;
  readonly above?: boolean;
  readonly max?: number;
  readonly integer?: boolean;
  /** Where `max` comes from, said in the error (e.g. "Lambda's limit"). */
  readonly limit?: string;
}
