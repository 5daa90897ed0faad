import { DynamoConfigStore } from './aws/config-store.js';
import { AppliedBodies, Receipts } from './aws/ledger/receipts.js';
import { Suppressions } from './aws/ledger/suppressions.js';
import { LedgerTable } from './aws/ledger/table.js';
import { resolveSecret } from './aws/secrets.js';
import { readEnvironment, receiverEnvironment } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { createLogger } from './observability/log.js';
import { createReceiver } from './receiving/index.js';

// Created once per container, outside the handler: warm invocations reuse the client, the secrets and the Page map.
const env = readEnvironment(receiverEnvironment);
const table = new LedgerTable({ table: env.ledgerTable, ttlDays: env.ledgerTtlDays });
const config = new DynamoConfigStore(env.configTable, env.configCacheMs);

export const handler = withRedactedErrors(
  createReceiver({
    // Cached for five minutes by resolveSecret, like every secret: a rotated app secret is picked up without a deploy.
    secrets: async () => {
      const [appSecret, verifyToken] = await Promise.all(
        ['appSecret', 'verifyToken'].map((jsonKey) => resolveSecret({ secretsManager: env.secret, jsonKey })),
      );
      return { appSecret: appSecret as string, verifyToken: verifyToken as string };
    },
    channelsOfPage: (pageId) => config.channelsOfPage(pageId),
    receipts: new Receipts(table),
    suppressions: new Suppressions(table),
    applied: new AppliedBodies(table),
    log: createLogger({ service: env.name, function: 'receiver' }),
  }),
);
