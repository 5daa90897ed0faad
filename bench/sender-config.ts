import type { Stack } from '../tools/local/stack.js';

/**
 * The config items a sender-only bench needs: a channel on the Messenger sandbox and a job on it. The job's database
 * is never read (the bench enqueues its tasks itself), but the job must name one.
 */
export async function putSenderOnlyConfig(
  stack: Pick<Stack, 'putConfig'>,
  options: {
    readonly baseUrl: string;
    readonly token: string;
    readonly ratePerSecond: number;
    readonly template: string;
    readonly timeoutMs?: number;
  },
): Promise<void> {
  await stack.putConfig({
    kind: 'database',
    id: 'unused',
    host: '127.0.0.1',
    database: 'x',
    user: 'x',
    password: { inline: 'unused-password' },
    allowInlineSecrets: true,
    ssl: 'disable',
  });
  await stack.putConfig({
    kind: 'channel',
    id: 'sandbox',
    type: 'messenger',
    baseUrl: options.baseUrl,
    accessToken: { inline: options.token },
    allowInlineSecrets: true,
    ratePerSecond: options.ratePerSecond,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  await stack.putConfig({
    kind: 'job',
    id: 'bench',
    database: 'unused',
    channel: 'sandbox',
    audience: { sql: 'SELECT 1' },
    template: { text: options.template },
  });
}
