/**
 * A run is one scheduler tick of one job. Scheduler delivers at least once, so the id is derived from the tick
 * itself: a repeated tick maps to the same run and the ledger makes it a no-op.
 */
export function runIdFor(job: string, scheduledTime: string): string {
  const time = new Date(scheduledTime);
  if (Number.isNaN(time.getTime())) throw new TypeError(`scheduledTime "${scheduledTime}" is not a valid timestamp`);
  return `${job}@${time.toISOString().replace(/\.000Z$/, 'Z')}`;
}
