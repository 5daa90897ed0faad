import type { RunCounters } from '../aws/ledger/runs.js';
import { HANDOVER_RESERVE_MS, shouldHandOver } from '../core/paging.js';

/** How often a planner ahead of its lead reads the run's counters (one read of the run item each). */
export const LEAD_POLL_MS = 2_000;
/**
 * How long the senders' count may stand still before a planner ahead of its lead goes on anyway: tasks that went to
 * the DLQ are never counted, and would otherwise hold the lead forever.
 */
export const LEAD_STALL_MS = 60_000;

/** Recipients enqueued whose outcome is not counted yet: what the queue holds of the run, about. */
export const outstanding = (run: Pick<RunCounters, 'enqueued' | 'sent' | 'failed' | 'skipped'>): number =>
  Math.max(0, run.enqueued - run.sent - run.failed - run.skipped);

export interface Lead {
  /** Seconds of the channel's rate the run may hold enqueued but not done; 0 for no bound. */
  readonly leadSeconds: number;
  readonly ratePerSecond: number;
  /** Recipients the next page may add. */
  readonly pageSize: number;
}

/**
 * Whether the next page would take the run past its lead. A run with nothing outstanding always goes on, so a lead
 * shorter than a page still moves.
 */
export function aheadOfLead(lead: Lead, waiting: number): boolean {
  if (lead.leadSeconds === 0 || waiting === 0) return false;
  return waiting + lead.pageSize > lead.leadSeconds * lead.ratePerSecond;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LeadWait {
  readonly lead: Lead;
  /** The run's outstanding recipients, read afresh. */
  readonly outstanding: () => Promise<number>;
  readonly renewLease: () => Promise<void>;
  readonly remainingMs: () => number;
  readonly slowestPageMs: number;
  readonly now?: () => number;
}

/**
 * Waits, holding the lease and the cursor, while the run is ahead of its lead: 'go' once the next page fits (or the
 * count stood still for LEAD_STALL_MS), 'hand-over' when the invocation's time is too short to wait longer (its
 * continuation waits on). Each wait is bounded by the invocation's deadline.
 */
export async function waitForLead(wait: LeadWait): Promise<'go' | 'hand-over'> {
  const now = wait.now ?? Date.now;
  let last = await wait.outstanding();
  let movedAt = now();
  while (aheadOfLead(wait.lead, last)) {
    if (now() - movedAt >= LEAD_STALL_MS) return 'go';
    if (shouldHandOver(wait.remainingMs(), wait.slowestPageMs)) return 'hand-over';
    await wait.renewLease();
    await sleep(Math.max(0, Math.min(LEAD_POLL_MS, wait.remainingMs() - HANDOVER_RESERVE_MS)));
    const next = await wait.outstanding();
    if (next !== last) movedAt = now();
    last = next;
  }
  return 'go';
}
