// One share of a sender fleet (tools/local/sender-fleet.ts), in its own process: event-source-mapping lanes against
// the queue, each lane its own loaded sender bundle, with the environment the module gives its senders. Says when its
// bundles are loaded, polls from "go", finishes its invocations in flight on "stop", and leaves at once when its
// parent disconnects (also when the parent died without cleaning up).
// Usage (by startSenderFleet only, over an IPC channel): sender-fleet-child.ts '<SenderShare as JSON>'

import { createWriteStream } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResponse, SqsEvent } from '../../handlers/surface.js';
import { loadBundle } from './bundle.js';
import { divertHandlerOutput } from './handler-output.js';
import { startPoller } from './poller.js';
import type { SenderShare } from './sender-fleet.js';

const send = process.send?.bind(process);
if (!send) throw new Error('sender-fleet-child.ts is started by startSenderFleet, which talks to it over IPC');
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the parent decides when this process stops.
process.on('SIGINT', () => undefined);

function parseShare(text: string | undefined): SenderShare {
  const share = JSON.parse(text ?? 'null') as Partial<SenderShare> | null;
  const positive = (field: 'instances' | 'batchSize' | 'functionTimeoutMs') => {
    const value = share?.[field];
    if (!Number.isInteger(value) || (value as number) < 1)
      throw new Error(`sender share: ${field} must be a positive integer, got ${JSON.stringify(value)}`);
  };
  positive('instances');
  positive('batchSize');
  positive('functionTimeoutMs');
  if (typeof share?.queueUrl !== 'string')
    throw new Error(`sender share: queueUrl must be a string, got ${JSON.stringify(share?.queueUrl)}`);
  return share as SenderShare;
}

const share = parseShare(process.argv[2]);
const log = share.logFile ? createWriteStream(share.logFile, { flags: 'a' }) : undefined;
divertHandlerOutput(log ? (text) => void log.write(text) : undefined);
// Loaded before "go", so that cold starts fall outside the measured run.
const handlers = await Promise.all(
  Array.from({ length: share.instances }, () => loadBundle<SqsEvent, BatchResponse>('sender')),
);

let poller: ReturnType<typeof startPoller> | undefined;
process.on('message', (message) => {
  if (message === 'go' && !poller) {
    poller = startPoller(new SQSClient({}), handlers, {
      queueUrl: share.queueUrl,
      batchSize: share.batchSize,
      maximumConcurrency: share.instances,
      functionTimeoutMs: share.functionTimeoutMs,
    });
    // A lane that cannot reach the queue would otherwise idle unseen; exiting makes the parent fail the run.
    poller.done.catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  }
  if (message === 'stop') {
    void (async () => {
      await poller?.stop();
      if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
      process.exit(0);
    })();
  }
});
send('ready');
