import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { spawnNode } from './child-process.js';
import type { Service } from './ports.js';

/** fauxqs: an in-process SQS that speaks the JSON protocol the current SDK uses, with redrive to a DLQ. */
export async function startSqs(): Promise<Service & { endpoint: string }> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  return { endpoint: server.address, stop: () => server.stop() };
}

/**
 * fauxqs in a Node process of its own: its SQLite-backed store is synchronous, so in a busy process it stalls every
 * other server there, and in its own it gets a core's share of its own. It exits when this process disconnects.
 */
export async function startSqsProcess(): Promise<Service & { endpoint: string }> {
  // fauxqs imports node:sqlite for its optional persistence; the experimental warning says nothing about this run.
  const child = spawnNode('fauxqs', [
    '--disable-warning=ExperimentalWarning',
    '--input-type=module',
    '-e',
    [
      "process.on('disconnect', () => process.exit(0));",
      "process.on('SIGINT', () => undefined);",
      "const { startFauxqs } = await import('fauxqs');",
      'const server = await startFauxqs({ port: 0, logger: false });',
      'process.send(server.address);',
    ].join(' '),
  ]);
  try {
    return { endpoint: String(await child.ready), stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface Queues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** The delivery queue and its DLQ, with the redrive policy the Terraform module sets. */
/**
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/...`; not every resolver maps *.localhost to loopback,
 * and the SDK sends each call to its queue URL, so the URL is rewritten onto the endpoint the client already uses.
 */
export function onEndpoint(queueUrl: string, endpoint: string): string {
  const url = new URL(queueUrl);
  const target = new URL(endpoint);
  url.protocol = target.protocol;
  url.host = target.host;
  return url.toString();
}

export async function createQueues(
  client: SQSClient,
  endpoint: string,
  name: string,
  options: { visibilityTimeoutSeconds: number; maxReceiveCount: number },
): Promise<Queues> {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = onEndpoint(dlq.QueueUrl as string, endpoint);
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attributes.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: onEndpoint(queue.QueueUrl as string, endpoint), dlqUrl };
}

export async function queueDepth(client: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
