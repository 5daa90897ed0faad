/**
 * The figures by which `npm start` and `npm run bench:rate` judge delivery at the provider's limit, computed the same
 * way in both from what the Messenger sandbox logged. Pure: the callers pass the log and the run's two ends.
 */
export interface ProviderLog {
  /** When the provider accepted each delivery (ms, any clock shared with startedAt/endedAt), in any order. */
  readonly acceptedAt: readonly number[];
  readonly requests: number;
  readonly rejectedForRate: number;
  readonly abandoned: number;
  readonly duplicates: number;
}

export interface RunSpan {
  /** For the bench: the first send; for `npm start`: the planner's start. */
  readonly startedAt: number;
  /** The last recorded outcome (for `npm start`: the run settled). */
  readonly endedAt: number;
  /** The provider's rate limit R in sends/s, when there is one. */
  readonly providerRate?: number;
}

export interface DeliveryFigures {
  /** Acceptances from the first one until 95 % of them had happened, per second of that span; null below two. */
  readonly sustainedPerSecond: number | null;
  /** sustainedPerSecond / R; null without a rate limit or a sustained rate. */
  readonly shareOfRate: number | null;
  readonly durationMs: number;
  readonly accepted: number;
  readonly requests: number;
  readonly rejectedForRate: number;
  /** rejectedForRate / requests (0 without requests). */
  readonly rejectedForRateShare: number;
  readonly abandoned: number;
  readonly duplicates: number;
}

/** The share of acceptances that bounds the sustained span: the last 5 % are the run's tail, not its pace. */
const SUSTAINED_SHARE = 0.95;

/**
 * The sustained accepted rate. The span runs from the first acceptance to the acceptance by which 95 % had happened
 * (the k-th of n, k = ceil(0.95 n)); k acceptances bound k - 1 intervals, so one acceptance every 10 ms reads 100/s.
 */
export function sustainedRate(acceptedAt: readonly number[]): number | null {
  if (acceptedAt.length < 2) return null;
  const sorted = [...acceptedAt].sort((a, b) => a - b);
  const k = Math.max(2, Math.ceil(SUSTAINED_SHARE * sorted.length));
  const spanMs = (sorted[k - 1] as number) - (sorted[0] as number);
  return spanMs > 0 ? ((k - 1) / spanMs) * 1000 : null;
}

export function deliveryFigures(log: ProviderLog, span: RunSpan): DeliveryFigures {
  if (span.endedAt < span.startedAt)
    throw new Error(`the run ends (${span.endedAt}) before it starts (${span.startedAt})`);
  if (span.providerRate !== undefined && !(span.providerRate > 0))
    throw new Error(`providerRate must be a positive number, got ${span.providerRate}`);
  const sustainedPerSecond = sustainedRate(log.acceptedAt);
  return {
    sustainedPerSecond,
    shareOfRate: sustainedPerSecond !== null && span.providerRate ? sustainedPerSecond / span.providerRate : null,
    durationMs: span.endedAt - span.startedAt,
    accepted: log.acceptedAt.length,
    requests: log.requests,
    rejectedForRate: log.rejectedForRate,
    rejectedForRateShare: log.requests > 0 ? log.rejectedForRate / log.requests : 0,
    abandoned: log.abandoned,
    duplicates: log.duplicates,
  };
}
