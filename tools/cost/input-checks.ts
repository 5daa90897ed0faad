import { HANDOVER_RESERVE_MS, MAX_TASK_BYTES } from '../../handlers/surface.js';
import { PRICES } from './prices.js';
import { escapedRecipientBytes, oneRecipientFits, type TaskBodySizes } from './task-body.js';

/** The checks between fields of the cost model's input (tools/cost/input.ts), each naming the field to change. */

/** The fields the checks read. */
export interface CheckedInput extends TaskBodySizes {
  readonly pageSize: number;
  readonly plannerTimeoutSeconds: number;
  readonly durations: { readonly plannerMsPer1000: number };
  readonly region: string;
  readonly worker: { readonly instanceType: string; readonly brokerType: string };
}

export interface InputIssue {
  readonly path: readonly string[];
  /** Read after the field's name, e.g. "of 30 s leaves no time …". */
  readonly message: string;
}

/** The planner's time for a page of `rows` rows. */
export const plannerPageMs = (rows: number, durations: { readonly plannerMsPer1000: number }) =>
  (rows / 1000) * durations.plannerMsPer1000;

/** A body of one recipient, with its escapes, must fit MAX_TASK_BYTES. */
function taskBodyIssues(input: CheckedInput): InputIssue[] {
  if (oneRecipientFits(input)) return [];
  const bytes = escapedRecipientBytes(input);
  const message = `of ${bytes} B with the escapes does not fit a task body of ${MAX_TASK_BYTES} B`;
  return [{ path: ['taskRecipientBytes'], message }];
}

/**
 * Before each page the planner checks that the handover reserve plus twice its slowest page remain, so a full page
 * must fit: the settings are the job's and the module's, whatever the audience, and the break-even search prices
 * them at audiences of many pages.
 */
function plannerTimeoutIssues(input: CheckedInput): InputIssue[] {
  const pageMs = plannerPageMs(input.pageSize, input.durations);
  if (input.plannerTimeoutSeconds * 1000 - HANDOVER_RESERVE_MS - 2 * pageMs >= 0) return [];
  return [
    {
      path: ['plannerTimeoutSeconds'],
      message:
        `of ${input.plannerTimeoutSeconds} s leaves no time for one page of ${input.pageSize} rows ` +
        `(${Math.round(pageMs)} ms) before the ${HANDOVER_RESERVE_MS / 1000} s handover reserve`,
    },
  ];
}

/** The worker's instance and broker types must have a price in the region. */
function workerPriceIssues(input: CheckedInput): InputIssue[] {
  const prices = PRICES[input.region];
  if (!prices) return [];
  const types = [
    ['instanceType', prices.worker.instanceHour],
    ['brokerType', prices.worker.brokerHour],
  ] as const;
  return types
    .filter(([field, priced]) => !priced[input.worker[field]])
    .map(([field, priced]) => ({
      path: ['worker', field],
      message: `has no price in ${input.region}; priced: ${Object.keys(priced).join(', ')}`,
    }));
}

export const crossFieldIssues = (input: CheckedInput): InputIssue[] => [
  ...taskBodyIssues(input),
  ...plannerTimeoutIssues(input),
  ...workerPriceIssues(input),
];
