import {
  ConfigError,
  type ConfigKind,
  type ConfigStore,
  configKey,
  DynamoConfigStore,
  parseConfigItem,
} from '../../handlers/surface.js';
import { readItemsFile } from './config-items.js';
import { requireOption } from './io.js';

/** The config items a command reads: the job, its database and its channel. */
export type ConfigSource = Pick<ConfigStore, 'job' | 'database' | 'channel'>;

/** Items from a local JSON file, validated when asked for, so an unrelated broken item does not stop the command. */
async function fileSource(path: string): Promise<ConfigSource> {
  const items = await readItemsFile(path);
  const find = async <K extends ConfigKind>(kind: K, id: string) => {
    const raw = items.find(
      (item) =>
        item &&
        typeof item === 'object' &&
        (item as { kind?: unknown }).kind === kind &&
        (item as { id?: unknown }).id === id,
    );
    if (raw === undefined)
      throw new ConfigError(`config item "${configKey(kind, id)}"`, [
        { path: '(item)', message: `not found in ${path}` },
      ]);
    return parseConfigItem(kind, raw, `${path} item ${configKey(kind, id)}`);
  };
  return { job: (id) => find('job', id), database: (id) => find('database', id), channel: (id) => find('channel', id) };
}

/** `--file PATH` when given, else the config table (`--table NAME` or $NOTIFIER_CONFIG_TABLE). */
export function configSource(values: {
  readonly file?: string | undefined;
  readonly table?: string | undefined;
}): Promise<ConfigSource> {
  return values.file
    ? fileSource(values.file)
    : Promise.resolve(new DynamoConfigStore(requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE')));
}
