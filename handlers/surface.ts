// biome-ignore-all assist/source/organizeImports: the exports are grouped by layer, bottom up
/**
 * What the operator CLI, the local runtime and the cost model (tools/) may use of the handlers: named, so that a
 * refactor inside handlers/ can see what it must keep. The Lambda bundles never import this file.
 */

// Core: pure rules, and the limits the cost model sizes its estimate by.
export { ESCAPED_UNIT_BYTES } from './core/ascii-json.js';
export { ConfigError } from './core/errors.js';
export {
  CHANNEL_HOSTS_ENV,
  CHANNEL_KINDS,
  type ChannelHostAllowlist,
  type ChannelKind,
  DATABASE_HOSTS_ENV,
  formatChannelHosts,
  isLoopbackHost,
  LOOPBACK_HOSTS,
  parseChannelHostAllowlist,
  parseHostAllowlist,
} from './core/host-policy.js';
export { toIssues } from './core/issues.js';
export { HANDOVER_RESERVE_MS } from './core/paging.js';
export { runIdFor } from './core/run-id.js';
export {
  type BuiltRecipient,
  buildRecipient,
  cursorOf,
  GROUP_NAME_RESERVE_BYTES,
  MAX_RECIPIENTS_PER_TASK,
  MAX_TASK_BYTES,
  parseTask,
} from './core/task.js';
export { missingFields, type RowFields } from './core/template.js';
export { WINDOW_MS } from './core/window.js';

// Config: the items, the hosts they may name, the planner's event.
export { channelHostRefusal, configuredHosts, databaseHostRefusal } from './config/hosts.js';
export { type PlannerEvent, parsePlannerEvent, plannerEventSchema } from './config/planner-event.js';
export {
  type ChannelConfig,
  type ConfigItem,
  type ConfigKind,
  CONFIG_KINDS,
  configJsonSchema,
  configKey,
  type DatabaseConfig,
  type JobConfig,
  MESSAGE_TAGS,
  RETIRED_MESSAGE_TAGS,
  parseAnyConfigItem,
  parseConfigItem,
  type RecipientKind,
  type SecretRef,
} from './config/schema.js';
export { jobTemplates, taskSpecFor, windowBound } from './config/task-spec.js';

// Adapters: the config table, the ledger, secrets, channels, the audience database, metric limits.
export { CONFIG_CACHE_MS, type ConfigStore, configTableItem, DynamoConfigStore, pauseKey } from './aws/config-store.js';
export {
  collectOutcomes,
  createLedger,
  type Ledger,
  type NewOutcome,
  type RunRecord,
  runOutcomePages,
  type StoredOutcome,
  type Suppression,
} from './aws/ledger/index.js';
export { AppliedBodies, Receipts, type ReceiptKind, receiptStatus, type Watermarks } from './aws/ledger/receipts.js';
export { Suppressions } from './aws/ledger/suppressions.js';
export { resolveSecret } from './aws/secrets.js';
export type { Channel, OutboundMessage } from './channels/channel.js';
export { channelSecrets, createChannel } from './channels/index.js';
export { graphErrorReason } from './channels/graph-errors.js';
export { type AudienceRow, disconnect, readAudiencePage } from './db/audience.js';
export { createLogger, type Logger } from './observability/log.js';
export { EMF_MAX_VALUES } from './observability/metrics.js';

// Workflows and entry points: what one send does, the handlers' events and results, their environment.
export type { AttemptResult } from './delivery/dispatcher.js';
export type { BatchResponse, SqsEvent } from './delivery/batch.js';
export { RECORDING_RESERVE_MS } from './delivery/limits.js';
export { SHARE_RENEW_MS } from './delivery/share.js';
export { renderMessage, sendOnce } from './delivery/recipient.js';
export { lambdaFunctionName, plannerEnvironment, receiverEnvironment, senderEnvironment } from './env.js';
export { type ReceiverEvent, parseWebhookBody } from './receiving/events.js';
export {
  CLOCK_SKEW_MS,
  createReceiver,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  MAX_BODY_BYTES,
  STALE_AFTER_MS,
} from './receiving/index.js';
export { SIGNATURE_HEADER, signBody, verifySignature } from './receiving/signature.js';
export type { PlannerResult } from './planning/index.js';
export { LEAD_POLL_MS } from './planning/lead.js';
