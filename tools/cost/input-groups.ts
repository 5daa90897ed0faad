import { flag, numberField, textField } from './fields.js';
import { MEASURED } from './measured.js';

/** The two groups of the cost model's input (tools/cost/input.ts): the handler durations and the always-on worker. */

const MEASURED_DURATIONS = 'Measured durations';
/** The handler durations, measured by bench/handler-durations.ts into tools/cost/durations.json. */
export const durationsShape = {
  plannerMsPer1000: numberField(
    'planner wall time per 1,000 recipients (read a page, build tasks, SendMessageBatch, save the cursor)',
    MEASURED.plannerMsPer1000,
    { min: 0, above: true, max: 1e6 },
    flag(MEASURED_DURATIONS, 'planner-ms-per-1000', 'MS'),
  ),
  plannerInitMs: numberField(
    'cold start (INIT, billed since August 2025) of a planner container: one per planner invocation',
    MEASURED.initMs.planner,
    { min: 0 },
  ),
  senderOverheadMsPerBatch: numberField(
    "sender time per batch that depends on neither the batch's size nor the provider's latency",
    MEASURED.senderOverheadMsPerBatch,
    { min: 0, max: 1e6 },
    flag(MEASURED_DURATIONS, 'sender-overhead-ms', 'MS'),
  ),
  senderMsPerTask: numberField(
    'sender time each task (one group of recipients) adds to its batch: parse, ledger claim and record',
    MEASURED.senderMsPerTask,
    { min: 0, max: 1e6 },
    flag(MEASURED_DURATIONS, 'sender-ms-per-task', 'MS'),
  ),
  senderMsPerNotification: numberField(
    'sender time each notification adds to its batch (template, request, outcome entry), unpaced',
    MEASURED.senderMsPerNotification,
    { min: 0, max: 1e6 },
    flag(MEASURED_DURATIONS, 'sender-ms-per-notification', 'MS'),
  ),
  senderInitMs: numberField('cold start of a sender container: one per container and run', MEASURED.initMs.sender, {
    min: 0,
  }),
};

/** An always-on worker, for comparison: instances sized for the daily peak, a queue broker, disks. */
export const workerShape = {
  instanceType: textField(
    'instance type of the always-on worker compared with',
    'm7g.large',
    flag('Comparison', 'worker-instance', 'TYPE'),
  ),
  instances: numberField(
    'worker instances',
    1,
    { min: 0, above: true, max: 1000, integer: true },
    flag('Comparison', 'worker-instances', 'N'),
  ),
  brokerType: textField('node type of its queue broker', 'cache.t4g.small', flag('Comparison', 'broker', 'TYPE')),
  brokers: numberField('broker nodes', 1, { min: 0 }),
  ebsGbPerInstance: numberField('gp3 disk per worker instance, in GB', 20, { min: 0 }),
};
