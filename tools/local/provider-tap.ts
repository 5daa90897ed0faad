/**
 * What a local run saw of the requests its senders made to a provider, wherever they went: the Messenger sandbox, the
 * webhook sandbox, or the relay in front of a real provider (--real-sends). The summary adds them up.
 */
export interface ProviderTally {
  readonly requests: number;
  /** When each delivery was accepted (ms since the epoch), in any order. */
  readonly acceptedAt: readonly number[];
  readonly rejectedForRate: number;
  /** Requests whose client closed the connection before the answer. */
  readonly abandoned: number;
  /** Recipients delivered more than once; null where it cannot be told (a real provider). */
  readonly duplicates: number | null;
}

export interface ProviderTap {
  /** Where the requests went, as the summary names it: "the local Messenger sandbox". */
  readonly label: string;
  tally(): ProviderTally;
}

/** The taps' tallies added up: a duplicate count only when every tap could tell. */
export function combineTallies(tallies: readonly ProviderTally[]): ProviderTally {
  let duplicates: number | null = 0;
  for (const tally of tallies)
    duplicates = duplicates === null || tally.duplicates === null ? null : duplicates + tally.duplicates;
  return {
    requests: tallies.reduce((sum, tally) => sum + tally.requests, 0),
    acceptedAt: tallies.flatMap((tally) => tally.acceptedAt),
    rejectedForRate: tallies.reduce((sum, tally) => sum + tally.rejectedForRate, 0),
    abandoned: tallies.reduce((sum, tally) => sum + tally.abandoned, 0),
    duplicates,
  };
}
