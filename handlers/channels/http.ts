import http from 'node:http';
import https from 'node:https';
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

// Keep-alive connections per container, as a provider's answers come back in a steady stream. An idle socket is
// dropped after 4 s, under the 5 s keep-alive most servers use, so a frozen-and-thawed container rarely reuses one
// the server has closed; when it does, the reset is a transient failure the retry policy resends.
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4_000 }),
};

class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/**
 * Reads at most MAX_BODY_BYTES of the answer; a body cut off or reset keeps what arrived (the status still classifies).
 */
function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= MAX_BODY_BYTES) response.destroy();
    });
    response.on('end', done);
    response.on('close', done);
    response.on('error', () => undefined);
  });
}

/**
 * One POST with node:http(s): a fraction of fetch's CPU per request, which is most of what a sender spends per send.
 */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; text: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      ...(signal ? { signal } : {}),
    });
    // One deadline for the headers and the body: a provider that never stops sending must not hold the send.
    const timer = setTimeout(() => request.destroy(new NoAnswerError()), timeoutMs);
    request.on('response', (response) => {
      void readBody(response).then((text) => {
        clearTimeout(timer);
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers))
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, text });
      });
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

/**
 * POSTs JSON and returns the answer whatever its status: the channel decides what a status means. Retries are the
 * sender's, redirects are not followed (a bearer token must not follow a POST elsewhere), and errors carry no URL, so
 * no credential that a URL might hold can leak through them.
 *
 * `secrets` (the credentials the request carried) are cut out of the answer before anything reads it: a gateway
 * that echoes a request back must not put a token into an error message, a log line or the ledger.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
  secrets: readonly string[] = [],
): Promise<HttpAnswer> {
  let answer: { status: number; headers: Headers; text: string };
  try {
    answer = await post(new URL(url), body, headers, timeoutMs, signal);
  } catch (error) {
    const kind = error instanceof NoAnswerError ? `no answer within ${timeoutMs} ms` : 'network error';
    const cause = error instanceof Error && !(error instanceof NoAnswerError) ? `: ${error.message}` : '';
    throw new TransientDeliveryError(`provider request failed (${kind}${cause})`);
  }
  let text = answer.text;
  for (const secret of secrets) if (secret) text = text.split(secret).join('[REDACTED]');
  text = text.slice(0, MAX_BODY_CHARS);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: answer.status, headers: answer.headers, text, json };
}

/** For providers with no error vocabulary of their own: the HTTP status decides. */
export function errorFromStatus(
  answer: HttpAnswer,
  provider: string,
  classify: (status: number) => FailureClass = classifyHttpStatus,
) {
  const failureClass = classify(answer.status);
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
  const snippet = answer.text.replace(/\s+/g, ' ').slice(0, 200);
  return deliveryErrorFor(failureClass, `${provider} answered HTTP ${answer.status}${snippet ? `: ${snippet}` : ''}`, {
    status: answer.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
