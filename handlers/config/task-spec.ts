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

/** How a job's audience rows become recipients of `runId`: the planner's, and `notifier preview`'s. */
export function taskSpecFor(runId: string, job: JobConfig): TaskSpec {
  return {
    runId,
    job: job.id,
    idColumn: job.audience.idColumn,
    recipientColumn: job.audience.recipientColumn,
    fields: templateFields(jobTemplates(job).join('\n')),
  };
}
