import type { TaskSpec } from '../core/task.js';
import { templateFields } from '../core/template.js';
import type { JobConfig } from './schema.js';

const parameterTemplates = (values: readonly string[] | Readonly<Record<string, string>> | undefined): string[] =>
  values === undefined ? [] : Array.isArray(values) ? [...values] : Object.values(values);

/** The job's templates, every text a recipient's fields are rendered into: a utility template's parameters too. */
export const jobTemplates = (job: JobConfig): string[] => [
  ...(job.template.text === undefined ? [] : [job.template.text]),
  ...(job.template.quickReplies ?? []).flatMap((reply) => [reply.title, reply.payload]),
  ...parameterTemplates(job.template.utility?.header),
  ...parameterTemplates(job.template.utility?.body),
];

/**
 * Whether Meta's 24-hour window limits the job's sends: a text by RESPONSE or UPDATE to PSIDs or user_refs. A tag, a
 * utility template (sent as UPDATE by the schema's default, with messaging_type UTILITY) and a subscription token reach
 * people outside it (README, "Messenger policy").
 */
export const windowBound = (
  job: Pick<JobConfig, 'audience' | 'messagingType'> & { readonly template?: Pick<JobConfig['template'], 'utility'> },
): boolean =>
  (job.audience.recipientKind === 'psid' || job.audience.recipientKind === 'user_ref') &&
  job.messagingType !== 'MESSAGE_TAG' &&
  job.template?.utility === undefined;

/**
 * How a job's audience rows become recipients of `runId`: the planner's, and `notifier preview`'s. The fields a task
 * carries are the templates' and the last-message column: the sender judges the window when it sends, not when the
 * page was planned (docs/adr/0013-window-and-suppressions.md).
 */
export function taskSpecFor(runId: string, job: JobConfig): TaskSpec {
  const fields = templateFields(jobTemplates(job).join('\n'));
  const window = windowBound(job) ? job.audience.lastMessageColumn : undefined;
  return {
    runId,
    job: job.id,
    idColumn: job.audience.idColumn,
    recipientColumn: job.audience.recipientColumn,
    fields: window === undefined || fields.includes(window) ? fields : [...fields, window],
  };
}
