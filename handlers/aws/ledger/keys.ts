/** The ledger's partition keys: one definition each, for the handlers, the CLI and the tests. */
export const runKey = (runId: string) => `run#${runId}`;
export const groupKey = (runId: string, group: string) => `group#${runId}#${group}`;
/** A recipient the planner could not enqueue, recorded alone. */
export const deliveryKey = (runId: string, recipientId: string) => `delivery#${runId}#${recipientId}`;
export const malformedKey = (messageId: string) => `malformed#${messageId}`;
