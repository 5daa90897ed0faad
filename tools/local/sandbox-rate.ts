/** The Send API's per-Page limit: a bucket of `rate` tokens refilled continuously. */
export function tokenBucket(rate: number | undefined): () => boolean {
  let tokens = rate ?? 0;
  let lastRefill = performance.now();
  return () => {
    if (!rate) return true;
    const now = performance.now();
    tokens = Math.min(rate, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * The rolling-window usage header of the Graph API's Business Use Case rate limits, which page access tokens (the
 * Send API's) are subject to: `x-business-use-case-usage` holds JSON keyed by the business object id, each an array
 * of `{ type, call_count, total_cputime, total_time, estimated_time_to_regain_access }`, the first three a percentage
 * of the limit used (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/). Here every call that
 * reaches the rate limit counts, and the percentage is of R x window.
 */
export function usageWindow(rate: number, windowMs: number) {
  const calls: number[] = [];
  let head = 0;
  const drop = (now: number) => {
    while (head < calls.length && (calls[head] as number) <= now - windowMs) head++;
    if (head > 4096 && head * 2 > calls.length) {
      calls.splice(0, head);
      head = 0;
    }
  };
  return {
    record(now: number) {
      calls.push(now);
    },
    percent(now: number): number {
      drop(now);
      return Math.round((100 * (calls.length - head)) / ((rate * windowMs) / 1000));
    },
    header(now: number, pageId: string): Record<string, string> {
      const used = this.percent(now);
      const usage = {
        type: 'messenger',
        call_count: used,
        total_cputime: used,
        total_time: used,
        estimated_time_to_regain_access: 0,
      };
      return { 'x-business-use-case-usage': JSON.stringify({ [pageId]: [usage] }) };
    },
  };
}
