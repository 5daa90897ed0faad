import pg from 'pg';
import type { DatabaseConfig, JobConfig } from '../config/schema.js';
import { type PageQuery, pageQueries } from '../core/paging.js';

export type AudienceRow = Record<string, unknown>;

let cached: { key: string; client: pg.Client } | undefined;

export class CleartextPasswordRefusedError extends Error {
  override readonly name = 'CleartextPasswordRefusedError';
}

/** What each `ssl` value asks of node-postgres: verify-full checks the certificate and host name, the others do not. */
function tlsOptions(database: DatabaseConfig): pg.ClientConfig['ssl'] {
  if (database.ssl === 'disable') return false;
  return {
    rejectUnauthorized: database.ssl === 'verify-full',
    ...(database.caCertificate ? { ca: database.caCertificate } : {}),
  };
}

/**
 * A client that never sends the password in clear text. node-postgres answers a server's
 * AuthenticationCleartextPassword with the password itself, so a server that is not the database (a rewritten host, or
 * a man in the middle without verify-full) would read it; SCRAM and MD5 never put it on the wire. The password is
 * handed over through a function, which node-postgres calls after the request's listeners have run, and which refuses
 * once the request was cleartext.
 */
function passwordSafeClient(
  config: Omit<pg.ClientConfig, 'password'> & { readonly password: string; readonly label: string },
): pg.Client {
  const { password, label, ...options } = config;
  let cleartext = false;
  const client = new pg.Client({
    ...options,
    password: async () => {
      if (cleartext)
        throw new CleartextPasswordRefusedError(
          `${label}: the server asked for the password in clear text; ` +
            `refused (configure scram-sha-256 authentication for this role)`,
        );
      return password;
    },
  });
  client.connection.prependListener('authenticationCleartextPassword', () => (cleartext = true));
  return client;
}

async function connect(database: DatabaseConfig, password: string): Promise<pg.Client> {
  const key = JSON.stringify([
    database.host,
    database.port,
    database.database,
    database.user,
    database.ssl,
    password.length,
    password.slice(-4),
  ]);
  if (cached?.key === key) return cached.client;
  await cached?.client.end().catch(() => undefined);
  cached = undefined;
  const client = passwordSafeClient({
    label: `database "${database.id}"`,
    host: database.host,
    port: database.port,
    database: database.database,
    user: database.user,
    password,
    connectionTimeoutMillis: database.connectTimeoutMs,
    application_name: 'notifier-planner',
    ssl: tlsOptions(database),
  });
  // A dropped connection surfaces on the next query; without a listener it would crash the process.
  client.on('error', () => {
    if (cached?.client === client) cached = undefined;
  });
  try {
    await client.connect();
  } catch (error) {
    // A refused or failed handshake leaves the socket open otherwise.
    await client.end().catch(() => undefined);
    throw error;
  }
  cached = { key, client };
  return client;
}

/** Drops the cached connection (after an error, or when `notifier preview` is done). */
export async function disconnect(): Promise<void> {
  const current = cached;
  cached = undefined;
  await current?.client.end().catch(() => undefined);
}

/**
 * Reads one page of the audience: each of the page's queries (see pageQueries) in a read-only transaction with a
 * statement timeout, the next only while the page is short. The connection is reused across warm invocations; any
 * error drops it so the next attempt reconnects.
 */
export async function readAudiencePage(
  database: DatabaseConfig,
  password: string,
  job: JobConfig,
  cursor: string | null,
): Promise<AudienceRow[]> {
  const client = await connect(database, password);
  try {
    const rows: AudienceRow[] = [];
    for (const query of pageQueries(job.audience, cursor, job.pageSize)) {
      if (rows.length >= job.pageSize) break;
      rows.push(...(await readOnly(client, database.statementTimeoutMs, query)));
    }
    return rows.slice(0, job.pageSize);
  } catch (error) {
    await disconnect();
    throw error;
  }
}

async function readOnly(client: pg.Client, statementTimeoutMs: number, query: PageQuery): Promise<AudienceRow[]> {
  // A page's latency is its round trips, and the next page's query waits for it: BEGIN and SET LOCAL share one,
  // and COMMIT is queued with the query, so the client sends it the moment the rows are in. The query itself goes
  // out only once the read-only transaction is known to be open.
  await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Number(statementTimeoutMs)}`);
  const [result] = await Promise.all([
    client.query({ text: query.text, values: [...query.values] }),
    client.query('COMMIT'),
  ]);
  return result.rows as AudienceRow[];
}
