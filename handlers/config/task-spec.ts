import type { TaskSpec } from '../core/task.js';
import { templateFields } from '../core/template.js';
import type { JobConfig } from './schema.js';

/** The job's templates, every text a recipient's fields are rendered into. */
export const jobTemplates = (job: JobConfig): string[] => [
  job.template.text,
  ...(job.template.quickReplies ?? []).flatMap((reply) => [reply.title, reply.payload]),
];

/**
 * How a job's audience rows become recipients of `runId`: the planner's, and `notifier preview`'s. The fields a task
 * carries are the templates' and the last-message column: the sender judges the window when it sends, not when the
 * page was planned (docs/adr/0013-window-and-suppressions.md).
 */
export function taskSpecFor(runId: string, job: JobConfig): TaskSpec {
  const fields = templateFields(jobTemplates(job).join('\n'));
  const window = job.audience.lastMessageColumn;
  return {
    runId,
    job: job.id,
    idColumn: job.audience.idColumn,
    recipientColumn: job.audience.recipientColumn,
    fields: window === undefined || fields.includes(window) ? fields : [...fields, window],
  };
}
