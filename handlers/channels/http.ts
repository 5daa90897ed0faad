import type { KyResponse } from 'ky';
import { classifyHttpStatus, deliveryErrorFor, parseRetryAfter } from '../core/classify.js';
import { type FailureClass, TransientDeliveryError } from '../core/errors.js';

const MAX_BODY_CHARS = 64 * 1024;
// A provider that answers with megabytes (or never stops) must not fill the sender's memory.
const MAX_BODY_BYTES = 256 * 1024;

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/**
 * POSTs JSON and returns the answer whatever its status: the channel decides what a status means. Retries are the
 * sender's (ky's own are off), and errors carry no URL, so no credential that a URL might hold can leak through them.
 */
// ky touches globalThis.Request at import, which makes Node load its fetch implementation (~30 ms): that cost is
// paid on the first send instead of in every cold start, including those of batches that send nothing.
let client: Promise<typeof import('ky').default> | undefined;
const loadKy = () => (client ??= import('ky').then((module) => module.default));

/**
 * Reads at most MAX_BODY_BYTES of the answer, until `until` at the latest: ky's timeout ends with the headers, and a
 * body can stall for good (Node's fetch never ends a truncated `content-encoding: br` body). A body cut off, reset or
 * undecodable keeps what arrived: the status still classifies the answer.
 */
async function readBody(response: Response, until: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), Math.max(0, until - Date.now()))));
  try {
    while (size < MAX_BODY_BYTES) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === 'expired' || next.done) break;
      chunks.push(next.value);
      size += next.value.byteLength;
    }
  } catch {
    // Reset, truncated or undecodable.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES));
}

/**
 * `secrets` (the credentials the request carried) are cut out of the answer before anything reads it: a gateway
 * that echoes a request back must not put a token into an error message, a log line or the ledger.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal, secrets: readonly string[] = []): Promise<HttpAnswer> {
  const ky = await loadKy();
  const until = Date.now() + timeoutMs;
  let response: KyResponse;
  try {
    response = await ky.post(url, { body, headers: { 'content-type': 'application/json', ...headers }, timeout: timeoutMs, retry: 0, throwHttpErrors: false, ...(signal ? { signal } : {}) });
  } catch (error) {
    const kind = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error';
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new TransientDeliveryError(`provider request failed (${kind}${cause})`);
  }
  let text = await readBody(response, until);
  for (const secret of secrets) if (secret) text = text.split(secret).join('[REDACTED]');
  text = text.slice(0, MAX_BODY_CHARS);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** For providers with no error vocabulary of their own: the HTTP status decides. */
export function errorFromStatus(answer: HttpAnswer, provider: string, classify: (status: number) => FailureClass = classifyHttpStatus) {
  const failureClass = classify(answer.status);
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
  const snippet = answer.text.replace(/\s+/g, ' ').slice(0, 200);
  return deliveryErrorFor(failureClass, `${provider} answered HTTP ${answer.status}${snippet ? `: ${snippet}` : ''}`, { status: answer.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
