import { readNumber, readString } from '../../handlers/aws/dynamo.js';
import { deliveryKey, groupKey, type Ledger } from '../../handlers/aws/ledger/index.js';
import { readOutcomes } from '../../handlers/aws/ledger/outcomes.js';
import { singleGroup } from '../../handlers/core/task.js';

/**
 * One recipient's state in the ledger, flattened for assertions: its outcome in the group item, else the group's claim
 * state and last reason, else what the planner recorded when it could not enqueue the recipient.
 */
export async function readDelivery(
  ledger: Ledger,
  runId: string,
  recipientId: string,
  group = singleGroup(recipientId),
): Promise<Record<string, string | number> | undefined> {
  const item = await ledger.table.get(groupKey(runId, group));
  const outcome = readOutcomes(item).get(recipientId);
  const attempts = readNumber(item, 'attempts') ?? 0;
  if (outcome) return { ...outcome, attempts };
  const lastReason = readString(item, 'lastReason');
  if (item)
    return { status: readString(item, 'status') ?? 'released', attempts, ...(lastReason ? { lastReason } : {}) };
  const planned = await ledger.table.get(deliveryKey(runId, recipientId));
  if (!planned) return undefined;
  return Object.fromEntries(
    Object.entries(planned).map(([name, value]) => [
      name,
      'N' in value && value.N !== undefined ? Number(value.N) : (value.S ?? ''),
    ]),
  );
}
