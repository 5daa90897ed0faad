/** The longest id of a config item (job, database, channel). */
export const ID_MAX_LENGTH = 64;

/**
 * The longest id of a job the Terraform module schedules: its schedule is named `<name>-<job id>`, EventBridge
 * Scheduler allows 64 characters and the module's `name` may take 32. Jobs put with `notifier config put` have no
 * schedule of the module's and may use the full ID_MAX_LENGTH. variables.tf repeats this (a test holds the two
 * together).
 */
export const SCHEDULED_JOB_ID_MAX_LENGTH = 30;

/**
 * Lowercase letters, digits, "-" and "_", starting with a letter or digit: safe in keys, names and metric dimensions.
 */
export const idPattern = (maxLength: number) => `^[a-z0-9][a-z0-9_-]{0,${maxLength - 1}}$`;

export const idRule = (maxLength: number) =>
  `must be 1-${maxLength} characters of a-z, 0-9, "-" or "_", starting with a letter or digit`;
