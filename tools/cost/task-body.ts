import { ESCAPED_UNIT_BYTES, GROUP_NAME_RESERVE_BYTES, MAX_TASK_BYTES } from '../../handlers/surface.js';

/** What a task body is made of, as the cost model's input gives it. */
export interface TaskBodySizes {
  readonly taskHeadBytes: number;
  readonly taskRecipientBytes: number;
  readonly taskNonAsciiUnitsPerRecipient: number;
}

/** Bytes a recipient adds to an ASCII task body: the measured size, each non-ASCII code unit written as an escape. */
export const escapedRecipientBytes = (sizes: Omit<TaskBodySizes, 'taskHeadBytes'>) =>
  sizes.taskRecipientBytes + sizes.taskNonAsciiUnitsPerRecipient * (ESCAPED_UNIT_BYTES - 1);

/** Whether a body of one recipient fits MAX_TASK_BYTES with the group name's reserve. */
export const oneRecipientFits = (sizes: TaskBodySizes) =>
  sizes.taskHeadBytes + escapedRecipientBytes(sizes) + GROUP_NAME_RESERVE_BYTES <= MAX_TASK_BYTES;

/** Recipients one body holds before it would pass MAX_TASK_BYTES (groupTasks closes it there), at least one. */
export const recipientsFittingBody = (sizes: TaskBodySizes) =>
  Math.max(
    1,
    Math.floor((MAX_TASK_BYTES - sizes.taskHeadBytes - GROUP_NAME_RESERVE_BYTES + 1) / escapedRecipientBytes(sizes)),
  );
