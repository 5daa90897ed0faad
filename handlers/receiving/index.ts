import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../observability/log.js';
import { applyEntry, emptyTally, type ReceiptWriters, type Tally } from './apply.js';
import { type Entry, parseWebhookBody } from './events.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/** The HTTP API event (payload format 2.0, which a function URL sends too) fields the receiver reads. */
export interface FunctionUrlEvent {
  readonly requestContext: { readonly http: { readonly method: string } };
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  /** Lower-case names, as payload format 2.0 delivers them. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The largest body the receiver reads. Meta batches up to 1,000 events a POST, a few hundred bytes each; a body past
 * this is refused before its signature is computed (Lambda itself caps a request at 6 MB).
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How old an entry may be and still be applied: Meta retries a notification it could not deliver for up to 36 hours
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started), so 48 hours lets every retry in and keeps
 * a captured body out after that. Applied bodies are remembered as long (AppliedBodies).
 */
export const STALE_AFTER_MS = 48 * 3_600_000;
/** How far an entry's time may be ahead of this clock: Meta's and Lambda's clocks both follow NTP. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface ReceiverDeps extends ReceiptWriters {
  /** The app secret (signatures) and the verify token (the subscription challenge), cached per container. */
  readonly secrets: () => Promise<{ readonly appSecret: string; readonly verifyToken: string }>;
  /** The channel items whose pageId is this Page. */
  readonly channelsOfPage: (pageId: string) => Promise<readonly string[]>;
  readonly applied: {
    has(bodySha256: string): Promise<boolean>;
    record(bodySha256: string, expiresAtSeconds: number): Promise<void>;
  };
  readonly log: Logger;
  readonly now?: () => number;
}

const answer = (statusCode: number, body: string | object): FunctionUrlResult => ({
  statusCode,
  headers: { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Meta's subscription check: echo `hub.challenge` when `hub.verify_token` is the configured one. */
async function challenge(deps: ReceiverDeps, query: FunctionUrlEvent['queryStringParameters'] = {}) {
  const { verifyToken } = await deps.secrets();
  const given = Buffer.from(query['hub.verify_token'] ?? '');
  const expected = Buffer.from(verifyToken);
  const tokenMatches = given.length === expected.length && timingSafeEqual(given, expected);
  if (query['hub.mode'] !== 'subscribe' || !tokenMatches || !query['hub.challenge']) {
    deps.log.warn('receiver: verification request refused', { mode: query['hub.mode'] ?? null });
    return answer(403, 'verification refused: hub.mode must be subscribe and hub.verify_token the configured token');
  }
  deps.log.info('receiver: verification request answered');
  return answer(200, query['hub.challenge']);
}

/** The refusal of a body whose oldest or newest entry is out of the window, or undefined. */
function staleness(entries: readonly Entry[], now: number): string | undefined {
  for (const entry of entries) {
    if (entry.time < now - STALE_AFTER_MS)
      return `stale: entry of Page ${entry.pageId} is from ${new Date(entry.time).toISOString()}, more than 48 h ago`;
    if (entry.time > now + CLOCK_SKEW_MS)
      return `stale: entry of Page ${entry.pageId} is from ${new Date(entry.time).toISOString()}, in the future`;
  }
  return undefined;
}

async function applyAll(deps: ReceiverDeps, entries: ReturnType<typeof parseWebhookBody>): Promise<Tally> {
  const tally = emptyTally();
  for (const parsed of entries as Exclude<typeof entries, string>) {
    if (!parsed.ok) {
      tally.problems.push(parsed.problem);
      continue;
    }
    tally.problems.push(...parsed.malformed);
    const channels = await deps.channelsOfPage(parsed.pageId);
    if (channels.length === 0) {
      tally.problems.push(`Page ${parsed.pageId}: no channel item has this pageId; its events were not applied`);
      continue;
    }
    await applyEntry(deps, channels, parsed, tally);
  }
  return tally;
}

/** Reads, checks and applies one signed POST; every refusal is answered before any write. */
async function receive(deps: ReceiverDeps, event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > MAX_BODY_BYTES) {
    deps.log.warn('receiver: body refused as too large', { bytes: raw.length });
    return answer(413, `body of ${raw.length} bytes is over the receiver's limit of ${MAX_BODY_BYTES}`);
  }
  const signature = event.headers?.[SIGNATURE_HEADER];
  const { appSecret } = await deps.secrets();
  if (!verifySignature(raw, signature, appSecret)) {
    deps.log.warn('receiver: body refused, signature missing or wrong', { signed: signature !== undefined });
    return answer(401, signature ? 'X-Hub-Signature-256 does not match the body' : 'X-Hub-Signature-256 is missing');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    deps.log.warn('receiver: signed body is not JSON', { bytes: raw.length });
    return answer(400, 'body is not JSON');
  }
  const entries = parseWebhookBody(json);
  if (typeof entries === 'string') {
    deps.log.warn('receiver: signed body refused', { problem: entries });
    return answer(400, entries);
  }
  const now = (deps.now ?? Date.now)();
  const stale = staleness(
    entries.flatMap((entry) => (entry.ok ? [entry] : [])),
    now,
  );
  if (stale) {
    deps.log.warn('receiver: body refused', { problem: stale });
    return answer(403, stale);
  }
  const sha256 = createHash('sha256').update(raw).digest('hex');
  if (await deps.applied.has(sha256)) {
    deps.log.info('receiver: replayed body answered, not applied again', { sha256 });
    return answer(200, { replay: true });
  }
  const tally = await applyAll(deps, entries);
  await deps.applied.record(sha256, Math.ceil((now + STALE_AFTER_MS + CLOCK_SKEW_MS) / 1000));
  const { problems, ...counts } = tally;
  if (problems.length > 0) deps.log.warn('receiver: entries or events not applied', { sha256, problems });
  deps.log.info('receiver: body applied', { sha256, ...counts, problems: problems.length });
  return answer(200, tally);
}

/**
 * The webhook receiver behind an HTTP API (docs/adr/0015-messenger-webhook-receiver.md): answers Meta's GET
 * challenge, and applies a signed POST's receipts and opt-outs to the ledger. An error writing (DynamoDB) is thrown:
 * the HTTP API answers 500, Meta delivers the body again, and the writes it repeats leave the ledger as one would.
 */
export function createReceiver(deps: ReceiverDeps) {
  return async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') return challenge(deps, event.queryStringParameters);
    if (method === 'POST') return receive(deps, event);
    return answer(405, 'the receiver answers GET (verification) and POST (events)');
  };
}
