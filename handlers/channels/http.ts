import type { KyResponse } from 'ky';
import { classifyHttpStatus, deliveryErrorFor, parseRetryAfter } from '../core/classify.js';
import { type FailureClass, TransientDeliveryError } from '../core/errors.js';

const MAX_BODY_CHARS = 64 * 1024;

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

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
  const ky = await loadKy();
  let response: KyResponse;
  try {
    response = await ky.post(url, { body, headers: { 'content-type': 'application/json', ...headers }, timeout: timeoutMs, retry: 0, throwHttpErrors: false, ...(signal ? { signal } : {}) });
  } catch (error) {
    const kind = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error';
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new TransientDeliveryError(`provider request failed (${kind}${cause})`);
  }
  let text = '';
  try {
    text = (await response.text()).slice(0, MAX_BODY_CHARS);
  } catch {
    // A body cut off mid-stream still has a status to classify by.
  }
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
