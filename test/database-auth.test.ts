import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type DatabaseConfig, databaseSchema, type JobConfig, jobSchema } from '../handlers/config/schema.js';
import { CleartextPasswordRefusedError, disconnect, readAudiencePage } from '../handlers/db/audience.js';
import { type PostgresService, startPostgresServer } from '../tools/local/postgres.js';

/**
 * A TCP relay in front of the server that keeps every byte the client sent: whether the password went over the wire.
 */
async function startRelay(target: { host: string; port: number }) {
  let sent = Buffer.alloc(0);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => (sent = Buffer.concat([sent, chunk])));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sent: () => sent.toString('latin1'),
    reset: () => {
      sent = Buffer.alloc(0);
    },
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the planner never sends the database password in clear text', () => {
  let postgres: PostgresService;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let database: DatabaseConfig;
  let job: JobConfig;

  before(async () => {
    // pg_hba "password": the server asks for the password in clear text, as a server impersonating the database would.
    postgres = await startPostgresServer({ auth: 'password' });
    relay = await startRelay(postgres);
    database = databaseSchema.parse({
      kind: 'database',
      id: 'main',
      host: '127.0.0.1',
      port: relay.port,
      database: postgres.database,
      user: postgres.user,
      password: { ssmParameter: '/db' },
      ssl: 'disable',
    });
    job = jobSchema.parse({
      kind: 'job',
      id: 'daily',
      database: 'main',
      channel: 'page',
      audience: { sql: 'SELECT 1 AS id, $1::text AS psid', params: ['psid-1'] },
      template: { text: 'hi' },
    });
  });
  after(async () => {
    await disconnect();
    await relay?.stop();
    await postgres?.stop();
  });

  it('control: node-postgres on its own answers the request with the password, and the server lets it in', async () => {
    relay.reset();
    const client = new pg.Client({
      host: '127.0.0.1',
      port: relay.port,
      user: postgres.user,
      password: postgres.password,
      database: postgres.database,
    });
    await client.connect();
    await client.end();
    assert.ok(relay.sent().includes(postgres.password), 'the password crossed the wire in clear text');
  });

  it("the planner's connection refuses, names the database item, and the password never leaves", async () => {
    relay.reset();
    await assert.rejects(readAudiencePage(database, postgres.password, job, null), (error: Error) => {
      assert.ok(error instanceof CleartextPasswordRefusedError, `${error.name}: ${error.message}`);
      assert.match(error.message, /^database "main": the server asked for the password in clear text; refused/);
      return true;
    });
    assert.ok(relay.sent().length > 0, 'the client did talk to the server');
    assert.ok(!relay.sent().includes(postgres.password), 'the password was not sent');
  });
});
