import { randomBytes } from 'node:crypto';
import {
  collectOutcomes,
  createLedger,
  createLogger,
  Receipts,
  receiptStatus,
  Suppressions,
} from '../../handlers/surface.js';
import { signedRequest } from './meta-webhooks.js';
import { startReceiverEndpoint } from './receiver-endpoint.js';
import type { Sandbox } from './servers.js';
import type { Stack } from './stack.js';

/** What the sandbox reports after the run (`npm start -- --receipts`): shares of the delivered read and opted out. */
export interface ReceiptsPlan {
  readonly readShare: number;
  readonly optOutShare: number;
}

export interface ReceiptsSummary {
  /** Webhook bodies the sandbox posted to the receiver, and the answers that were not 200. */
  readonly bodies: number;
  readonly refused: number;
  /** Of the run's sent messages, those Meta's watermarks now mark delivered, and read. */
  readonly delivered: number;
  readonly read: number;
  /** Suppressions the opt-outs left on the channel. */
  readonly optedOut: number;
}

/**
 * After a run: the receiver behind a local endpoint, and the Messenger sandbox posting it, signed as Meta signs them,
 * the deliveries, reads and opt-outs of the messages it accepted; then the run's sent outcomes joined with the
 * watermarks, as `notifier outcomes` joins them.
 */
export async function replayReceipts(options: {
  readonly stack: Stack;
  readonly sandbox: Sandbox;
  readonly runId: string;
  readonly channel: { readonly id: string; readonly pageId: string };
  /** Only the deliveries the sandbox accepted on this path's Page (or ad account); all of them when not given. */
  readonly deliveriesOf?: string;
  readonly plan: ReceiptsPlan;
  readonly seed: number;
}): Promise<ReceiptsSummary> {
  const { stack, sandbox, runId, channel, deliveriesOf, plan, seed } = options;
  // A fresh app secret each run: the sandbox signs with it, the receiver verifies with it, nothing else knows it.
  const appSecret = randomBytes(32).toString('hex');
  const endpoint = await startReceiverEndpoint({
    configTable: stack.names.config,
    ledgerTable: stack.names.ledger,
    appSecret,
    verifyToken: randomBytes(16).toString('hex'),
    log: createLogger({ function: 'receiver' }),
  });
  let refused = 0;
  const bodies = sandbox.webhookBodies({ pageId: channel.pageId, ...plan, seed }, deliveriesOf);
  try {
    for (const body of bodies) {
      const response = await fetch(endpoint.url, { method: 'POST', ...signedRequest(body, appSecret) });
      await response.arrayBuffer();
      if (response.status !== 200) refused++;
    }
  } finally {
    await endpoint.stop();
  }
  const ledger = createLedger({ table: stack.names.ledger });
  const sent = (await collectOutcomes(ledger.table, runId)).outcomes.filter((outcome) => outcome.status === 'sent');
  const marks = await new Receipts(ledger.table).among(
    channel.id,
    sent.map((outcome) => outcome.recipientId),
  );
  const statuses = sent.map((outcome) => receiptStatus(Date.parse(outcome.at ?? ''), marks.get(outcome.recipientId)));
  let optedOut = 0;
  for await (const _ of new Suppressions(ledger.table).list(channel.id)) optedOut++;
  return {
    bodies: bodies.length,
    refused,
    delivered: statuses.filter((status) => status.delivered).length,
    read: statuses.filter((status) => status.read).length,
    optedOut,
  };
}
