import { type CostLine, line } from './cost-line.js';
import { FREE_TIER, type Price } from './prices.js';
import type { Month } from './service-lines.js';

/** A free-tier line: the part of `used` the allowance covers, at `price`, as a negative quantity. */
const free = (
  service: CostLine['service'],
  what: string,
  used: number,
  allowance: number,
  unit: string,
  price: Price,
) => line(service, `free tier: ${what}`, -Math.min(used, allowance), unit, price);

/** The account's always-free tier, applied to this service alone: negative lines, each at most what was used. */
export function freeTierLines({ input, prices, usage }: Month): CostLine[] {
  const { lambda, sqs, dynamodb, cloudwatch } = prices;
  const { send, receive, delete: deletes, idle } = usage.sqsRequests;
  const lambdaRequests = usage.plannerRequests + usage.senderRequests;
  const lambdaGbSeconds = usage.plannerGbSeconds + usage.senderGbSeconds;
  const outGb = prices.dataTransfer.internetOutGb;
  const alarm = cloudwatch.standardAlarm;
  return [
    free('Data transfer', 'data transfer out', usage.egressGb, FREE_TIER.dataTransferOutGb, 'GB', outGb),
    free('Lambda', 'requests', lambdaRequests, FREE_TIER.lambdaRequests, 'requests', lambda.requests),
    free('Lambda', 'compute', lambdaGbSeconds, FREE_TIER.lambdaGbSeconds, 'GB-s', lambda.gbSecond[input.architecture]),
    free('SQS', 'requests', send + receive + deletes + idle, FREE_TIER.sqsRequests, 'requests', sqs.standardRequests),
    ...(input.ledger
      ? [
          free(
            'DynamoDB',
            'storage',
            usage.storageGbMonth,
            FREE_TIER.dynamodbStorageGb,
            'GB-month',
            dynamodb.storageGbMonth,
          ),
        ]
      : []),
    free('CloudWatch', 'log ingestion', usage.logGb, FREE_TIER.cloudwatchLogsGb, 'GB', cloudwatch.logsIngestion),
    free(
      'CloudWatch',
      'custom metrics',
      usage.metricMonths,
      FREE_TIER.cloudwatchMetrics,
      'metric-months',
      cloudwatch.customMetric,
    ),
    free('CloudWatch', 'alarms', input.alarms, FREE_TIER.cloudwatchAlarms, 'alarm-months', alarm),
    ...(input.dashboard
      ? [line('CloudWatch', 'free tier: dashboard', -1, 'dashboard-months', cloudwatch.dashboard)]
      : []),
  ];
}
