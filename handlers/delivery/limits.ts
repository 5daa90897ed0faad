/**
 * Kept free at the end of an invocation for recording outcomes and run counters after the last send: the record write
 * and then the count write, each with one attempt lost to a request timeout and its retry (aws/dynamo.ts DYNAMO_RETRY;
 * a test holds the two together). Longer retries are cut at `RECORDING_CUTOFF_MS` before the invocation's end, so no
 * write outlives it: a record cut there is in the duplicate window (docs/adr/0002-duplicate-window.md).
 */
export const RECORDING_RESERVE_MS = 3_000;
/** Ledger writes still out this long before the invocation's end are aborted, with their SDK retries. */
export const RECORDING_CUTOFF_MS = 250;
/**
 * A claim lasts until the invocation ends plus this much clock skew between containers. Lambda stops an invocation at
 * its timeout, so nothing can still be sending after that; a longer claim would outlive the queue's visibility timeout
 * and the message of a crashed sender would burn its receives against a dead claim.
 */
export const CLAIM_SKEW_MS = 2_000;
/**
 * The shortest time a request must be out before the end of its batch may give it up, above ten times the provider's
 * usual answer and the sender's own event-loop pauses (which look like a slow provider from inside). A request given
 * up that the provider did accept is sent again (docs/adr/0002-duplicate-window.md); a longer floor idles the sender at
 * each batch's end (docs/BENCHMARKS.md measures 94 % of R with this floor under its tails).
 */
export const STRAGGLER_FLOOR_MS = 500;
