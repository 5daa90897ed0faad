import type { Progress } from '../local/run-options.js';

const WIDTH = 30;

/**
 * The progress line of `notifier start`. While the planner still reads the audience, the run's planned count is only
 * what its last checkpoint recorded (written at most once a second), and the senders have often processed more than
 * that: the line then says how many were processed and how many are planned at least, without a share or a bar.
 */
export function progressLine(progress: Progress): string {
  // The same clock as the summary's duration: from the planner's start, start-up not included.
  const rest = `${progress.sent} sent, ${(progress.elapsedMs / 1000).toFixed(1)} s since the planner started`;
  if (progress.planning) {
    return (
      `planning: ${progress.processed} processed ` +
      `of at least ${Math.max(progress.planned, progress.processed)} planned, ${rest}`
    );
  }
  const share = progress.planned ? Math.min(1, progress.processed / progress.planned) : 1;
  const filled = Math.round(share * WIDTH);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` +
    `${progress.processed}/${progress.planned} processed, ${rest}`
  );
}
