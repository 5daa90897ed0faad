import type { RunScope } from './deps.js';
import { EnqueueError, type PageEnqueue } from './enqueue.js';
import type { PageFacts } from './page.js';
import type { PageCounts } from './progress.js';

/**
 * What a page's enqueue came to: tasks still unsent fail the invocation (the retry resumes from `cursor`, the last
 * completed page's); recipients that cannot be enqueued are recorded as undeliverable.
 */
export async function pageOutcome(
  { deps, runId, job, log }: RunScope,
  facts: PageFacts,
  result: PageEnqueue,
  cursor: string | null,
): Promise<PageCounts> {
  if (result.unsent.length > 0) {
    deps.metrics.count(job.id, 'EnqueueFailed', result.unsent.length);
    throw new EnqueueError(
      `${result.unsent.length} tasks could not be enqueued ` +
        `(${result.unsent[0]?.code}: ${result.unsent[0]?.message}); ` +
        `the page will be retried from cursor ${cursor ?? '(start)'}`,
    );
  }
  if (result.split.length > 0)
    log.warn(
      'SQS rejected tasks: their recipients were enqueued one a task, ' +
        'and only those SQS still rejected are recorded as failed',
      {
        groups: result.split.map((entry) => entry.key),
        reason: `${result.split[0]?.code} ${result.split[0]?.message}`,
        failed: result.failed.length,
      },
    );
  const undeliverable = [...facts.invalid, ...result.failed];
  for (const entry of undeliverable) {
    log.error('recipient cannot be enqueued', entry);
    await deps.ledger.records.recordUndeliverable({ runId, job: job.id, ...entry });
  }
  return {
    planned: facts.planned,
    enqueued: facts.grouped - result.failed.length,
    failed: undeliverable.length,
    skipped: facts.repeated,
  };
}
