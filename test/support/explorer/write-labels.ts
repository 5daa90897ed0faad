/**
 * Names each DynamoDB request by the ledger step that made it, from the request itself (the explorer sits below the
 * SDK and sees only what goes on the wire): faults can then target one step ("lose the answer of the lease acquire"),
 * and the report counts faults by step. The patterns follow handlers/aws/ledger/*; a request matching none is named by
 * its operation, so a new ledger write still gets faults, only under a coarser name.
 */
const UPDATE_PATTERNS: readonly (readonly [label: string, update: RegExp, condition?: RegExp])[] = [
  ['lease.acquire', /leaseOwner = :owner/],
  ['run.saveProgress', /#cursor = :cursor/],
  ['run.finish', /#status = :enqueued/],
  ['lease.release', /^(SET lastError = :error )?REMOVE leaseOwner/],
  ['counts.open', /^ADD pendingCounts/],
  ['counts.close', /DELETE pendingCounts/],
  ['group.claim', /ADD attempts :one/, /attribute_not_exists\(pk\)/],
  ['group.reopen', /ADD attempts :one/, /#status = :settled/],
  ['group.record.release', /REMOVE claimOwner, claimUntil/],
  ['group.record.settle', /#status = :status/],
  ['group.takeOverCounts', /outcomes\.#r0\.o = :owner/],
  ['group.noteFailure', /lastReason = :reason/, /IN \(:released, :claimed\)/],
  ['run.halt', /SET halted = :reason/],
  ['run.clearHalt', /^REMOVE halted/],
  ['run.end', /SET ending = :ending/],
  ['run.published', /^REMOVE eventPending/],
];

export function labelOf(operation: string, input: Record<string, unknown>): string {
  if (operation === 'UpdateItem') {
    const update = String(input.UpdateExpression ?? '');
    const condition = String(input.ConditionExpression ?? '');
    for (const [label, pattern, conditionPattern] of UPDATE_PATTERNS)
      if (pattern.test(update) && (!conditionPattern || conditionPattern.test(condition))) return label;
    return 'UpdateItem';
  }
  if (operation === 'PutItem') {
    const item = input.Item as { pk?: { S?: string }; sk?: { S?: string } } | undefined;
    const sk = item?.sk?.S ?? '';
    if (item?.pk?.S?.startsWith('suppression#')) return 'suppressions.add';
    return sk.startsWith('delivery#') ? 'records.undeliverable' : sk === 'malformed' ? 'records.malformed' : 'PutItem';
  }
  if (operation === 'GetItem') return 'read.get';
  return `read.${operation}`;
}

/** Whether the request changes the table (only writes can lose their answer after landing). */
export const isWrite = (operation: string) =>
  operation === 'UpdateItem' || operation === 'PutItem' || operation === 'DeleteItem';
