import type { RunCounters } from '../aws/ledger/runs.js';
import { HANDOVER_RESERVE_MS, shouldHandOver } from '../core/paging.js';

/** How often a planner ahead of its lead reads the run's counters (one read of the run item each). */
export const LEAD_POLL_MS = 2_000;
/**
 * How long the senders' count may stand still before a planner ahead of its lead goes on anyway: tasks that went to
 * the DLQ are never counted, and would otherwise hold the lead forever. At most half the time an invocation has
 * before it must hand over (`stallMs`), so that a short planner timeout still reaches it.
 */
export const LEAD_STALL_MS = 60_000;

/**
 * The stall time of a wait that starts with `remainingMs` left: LEAD_STALL_MS, or half the time before the
 * invocation must hand over when that is shorter; none (Infinity) when that half is shorter than a poll, since a count
 * read once has not stood still (the continuation, with its whole timeout ahead, waits on).
 */
export function stallMs(remainingMs: number, slowestPageMs: number): number {
  const half = (remainingMs - HANDOVER_RESERVE_MS - 2 * slowestPageMs) / 2;
  return half < LEAD_POLL_MS ? Number.POSITIVE_INFINITY : Math.min(LEAD_STALL_MS, half);
}

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What the lead is measured against: the outstanding count less `stuck`, the count that stood still past the stall
 * (counted as gone). `stuck` never stays above the count itself, so stuck tasks that do get an outcome after all
 * give their place back to the lead.
 */
export function beyondStuck(count: number, stuck: number): { readonly waiting: number; readonly stuck: number } {
  const still = Math.min(stuck, count);
  return { waiting: count - still, stuck: still };
}

export interface LeadWait {
  readonly lead: Lead;
  /** The run's outstanding recipients, read afresh. */
  readonly outstanding: () => Promise<number>;
  /** The run's stuck count so far (`beyondStuck`). */
  readonly stuck: number;
  readonly renewLease: () => Promise<void>;
  readonly remainingMs: () => number;
  readonly slowestPageMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LeadOutcome {
  readonly next: 'go' | 'hand-over';
  /** The run's stuck count from now on: the whole outstanding count when it stood still past the stall. */
  readonly stuck: number;
}

/**
 * Waits, holding the lease and the cursor, while the run is ahead of its lead: 'go' once the next page fits, or once
 * the count stood still for the stall time (what is outstanding then is stuck from now on, so later pages do not
 * wait for it again); 'hand-over' when the invocation's time is too short to wait longer (its continuation waits on,
 * with the stuck count). The stall time is at most half the invocation's time, so one that waits from its start
 * still reads a page.
 */
export async function waitForLead(wait: LeadWait): Promise<LeadOutcome> {
  const now = wait.now ?? Date.now;
  const pause = wait.sleep ?? sleep;
  const stallAfter = stallMs(wait.remainingMs(), wait.slowestPageMs);
  let count = await wait.outstanding();
  let { waiting, stuck } = beyondStuck(count, wait.stuck);
  let movedAt = now();
  while (aheadOfLead(wait.lead, waiting)) {
    if (now() - movedAt >= stallAfter) return { next: 'go', stuck: count };
    if (shouldHandOver(wait.remainingMs(), wait.slowestPageMs)) return { next: 'hand-over', stuck };
    await wait.renewLease();
    const untilStall = movedAt + stallAfter - now();
    await pause(Math.max(0, Math.min(LEAD_POLL_MS, untilStall, wait.remainingMs() - HANDOVER_RESERVE_MS)));
    const next = await wait.outstanding();
    if (next !== count) movedAt = now();
    count = next;
    ({ waiting, stuck } = beyondStuck(count, stuck));
  }
  return { next: 'go', stuck };
}
