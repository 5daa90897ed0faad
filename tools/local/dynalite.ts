import type { AddressInfo } from 'node:net';
import type { Service } from './ports.js';

/**
 * An in-process DynamoDB (dynalite) for machines without Java. It lacks transactions and TTL, which the ledger does
 * not need (conditional writes only); DynamoDB Local stays the high-fidelity choice in the tests.
 */
export async function startDynalite(): Promise<Service & { endpoint: string }> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
