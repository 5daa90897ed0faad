// One share of the sender fleet for bench/rate-control.ts, in its own process so it has its own CPU as Lambda
// containers do: event-source-mapping lanes against the queue named in the environment, each lane its own loaded
// sender bundle. The orchestrator's sandbox records what is sent, so this process only says when its bundles are
// loaded, polls from "go" and leaves when the orchestrator disconnects.
// Usage (by bench/rate-control.ts only, over an IPC channel): rate-control-child.ts <instances>
import { SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/index.js';
import { requiredEnv } from '../handlers/env.js';
import { loadBundle } from '../handlers/local/bundle.js';
import { divertHandlerOutput } from '../handlers/local/handler-output.js';
import { startPoller } from '../handlers/local/poller.js';

const send = process.send?.bind(process);
if (!send) throw new Error('rate-control-child.ts is started by bench/rate-control.ts, which talks to it over IPC');
// The orchestrator ends a run by disconnecting, and the channel also closes when it died without cleaning up, which
// would otherwise leave this process polling a dead queue on a shared machine. Sends still in flight no longer
// count: the window is over.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; ending here first would read as a crash in the orchestrator's report.
process.on('SIGINT', () => undefined);
divertHandlerOutput();

const instances = Number(process.argv[2]);
if (!Number.isInteger(instances) || instances < 1) throw new Error(`instances must be a positive integer, got "${process.argv[2]}"`);
const queueUrl = requiredEnv('NOTIFIER_QUEUE_URL');
// Loaded before "go", so that cold starts fall outside the measured run as they did with in-process senders.
const handlers = await Promise.all(Array.from({ length: instances }, () => loadBundle<SqsEvent, BatchResponse>('sender')));

let poller: ReturnType<typeof startPoller> | undefined;
process.on('message', (message) => {
  if (message === 'go' && !poller) {
    poller = startPoller(new SQSClient({}), handlers, { queueUrl, batchSize: 10, maximumConcurrency: instances, functionTimeoutMs: 60_000 });
    // A lane that cannot reach the queue would otherwise idle unseen; exiting makes the orchestrator fail the run.
    poller.done.catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  }
});
send('ready');
