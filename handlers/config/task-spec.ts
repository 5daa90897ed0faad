import type { TaskSpec } from '../core/task.js';
import { templateFields } from '../core/template.js';
import type { JobConfig } from './schema.js';

/** The job's templates, every text a recipient's fields are rendered into. */
export const jobTemplates = (job: JobConfig): string[] => [
  job.template.text,
  ...(job.template.quickReplies ?? []).flatMap((reply) => [reply.title, reply.payload]),
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
