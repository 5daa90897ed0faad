/** Kept free at the end of an invocation for recording outcomes and run counters after the last send. */
export const RECORDING_RESERVE_MS = 3_000;
/**
 * A claim lasts until the invocation ends plus this much clock skew between containers. Lambda stops an invocation at
 * its timeout, so nothing can still be sending after that; a longer claim would outlive the queue's visibility timeout
 * and the message of a crashed sender would burn its receives against a dead claim.
 */
export const CLAIM_SKEW_MS = 2_000;
