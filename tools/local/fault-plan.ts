/**
 * What the Messenger sandbox does to each recipient, decided by a pure function of (seed, recipient id) so that a
 * test or a bench computes the expected outcome of every recipient before the run, whatever order, process or retry
 * its requests come in.
 */
export type Fault = 'ok' | 'transient-once' | 'hang-first' | 'permanent';

/** Shares of recipients (0..1 each, at most 1 together) given each fault; the rest are `ok`. */
export interface FaultShares {
  readonly transientOnce?: number;
  readonly hangFirst?: number;
  readonly permanent?: number;
}

const SHARE_FIELDS = ['transientOnce', 'hangFirst', 'permanent'] as const;

/** Throws naming the field when a share is not a number in 0..1, or when the shares add up to more than 1. */
export function checkFaultShares(shares: FaultShares): void {
  let total = 0;
  for (const field of SHARE_FIELDS) {
    const value = shares[field] ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
      throw new Error(`fault share ${field} must be a number in 0..1, got ${String(value)}`);
    total += value;
  }
  if (total > 1 + 1e-9)
    throw new Error(
      `fault shares add up to ${Number(total.toFixed(6))}, more than every recipient ` +
        `(transientOnce + hangFirst + permanent must be <= 1)`,
    );
}

/**
 * A uniform number in [0, 1) from the seed and the recipient id: FNV-1a over the id's UTF-16 code units, seeded, then
 * a murmur3 finaliser so that ids differing in one character land far apart.
 */
export function recipientDraw(seed: number, recipientId: string): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (let index = 0; index < recipientId.length; index++) {
    hash ^= recipientId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4_294_967_296;
}

/** The fault the sandbox plays for this recipient: the same answer for the same seed and id, every time. */
export function faultFor(seed: number, recipientId: string, shares: FaultShares): Fault {
  const draw = recipientDraw(seed, recipientId);
  let bound = shares.permanent ?? 0;
  if (draw < bound) return 'permanent';
  bound += shares.hangFirst ?? 0;
  if (draw < bound) return 'hang-first';
  bound += shares.transientOnce ?? 0;
  if (draw < bound) return 'transient-once';
  return 'ok';
}

/** True when no recipient gets a fault: the no-tail best case. */
export const noFaults = (shares: FaultShares): boolean => SHARE_FIELDS.every((field) => !shares[field]);
