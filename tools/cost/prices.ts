/**
 * AWS list prices the cost model reads, per region, as data: USD, on-demand, first volume tier only (the next tiers
 * start far beyond this service's scale: 6 billion Lambda GB-s, 100 billion SQS requests a month). Each names its page
 * and how it was checked on CHECKED: `confirmed` (read in a dated public source that day, cited below), `derived`
 * (computed from a confirmed rule) or `unverified` (the list price as known, not found in a source that day: check it
 * before relying on it). Prices change: update the number, the date and the status together.
 *
 * Sources of the confirmed and derived prices:
 * - Lambda: arm64 $0.0000133334 and x86_64 $0.0000166667 per GB-s, $0.20 per 1M requests, in several 2024-2026 guides
 *   (e.g. cloudchipr.com/blog/aws-lambda-pricing); the same in eu-west-1, as the regional tables list only af-south-1,
 *   ap-east-1, eu-south-1 and me-* as different from the base rate.
 * - SQS: cloudburn.io/blog/amazon-sqs-pricing (March 2026), factualminds.com SQS pricing (June 2026): $0.40 per 1M.
 * - DynamoDB: on-demand throughput halved from 2024-11-01 (AWS announcement; jusdb.com, airbyte.com July 2025):
 *   us-east-1 $0.625 per 1M WRU, $0.125 per 1M RRU; eu-west-1 derived: $1.4135 and $0.283 before it, halved.
 * - CloudWatch: c3x.dev Logs cost guide (June 2026): $0.50 per GB ingested, $0.03 per GB-month; signoz.io (Feb 2026):
 *   $0.30 per metric-month, prorated by the hour; factualminds.com (June 2026): $3 per dashboard-month.
 * - EventBridge Scheduler: AWS price list (AWSEvents), "$0 for the first 14 million scheduled invocations" everywhere.
 * - API Gateway: HTTP API $1.00 per 1M requests, first 300M a month, us-east-1: the AWS whitepaper "Best Practices
 *   for Designing Amazon API Gateway Private APIs", Cost optimization (docs.aws.amazon.com/whitepapers/latest/
 *   best-practices-api-gateway-private-apis-integration/cost-optimization.html).
 * - EC2: factualminds.com on-demand pricing (June 2026): m7g.large Linux $0.0816 an hour in us-east-1.
 */

export type PriceStatus = 'confirmed' | 'derived' | 'unverified';
export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "1M requests", "GB-second". */
  readonly per: string;
  readonly page: string;
  readonly status: PriceStatus;
}

export const REGION_NAMES = { 'us-east-1': 'US East (N. Virginia)', 'eu-west-1': 'Europe (Ireland)' } as const;
export type Region = keyof typeof REGION_NAMES;
export const REGIONS = Object.keys(REGION_NAMES) as Region[];
export const ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
/** Scheduled invocations free every month in every region (a price tier, not a promotion). */
export const FREE_SCHEDULED_INVOCATIONS = 14_000_000;
/** The day every price was last checked. */
export const CHECKED = '2026-11-28';

const AWS = 'https://aws.amazon.com';
const EC2 = `${AWS}/ec2/pricing/on-demand/`;

type Quote = readonly [usd: number, status: PriceStatus];
const c = (usd: number): Quote => [usd, 'confirmed'];
const d = (usd: number): Quote => [usd, 'derived'];
const u = (usd: number): Quote => [usd, 'unverified'];
/** A price's label in docs/COST.md, the unit of its quantity, what it is per, its quotes for us-east-1, eu-west-1. */
type Row = readonly [label: string, unit: string, per: string, us: Quote, eu: Quote];
/** The rows of one service, all on one page. */
const service = <K extends string>(name: string, page: string, rows: Record<K, Row>) =>
  Object.fromEntries(Object.entries<Row>(rows).map(([key, row]) => [key, { service: name, page, row }])) as Record<
    K,
    { service: string; page: string; row: Row }
  >;

// The order is the price table's in docs/COST.md.
const ROWS = {
  ...service('Lambda', `${AWS}/lambda/pricing/`, {
    requests: ['Lambda requests', 'requests', '1M requests', c(0.2), c(0.2)],
    arm64: ['Lambda compute, arm64', 'GB-s', 'GB-second', c(0.0000133334), c(0.0000133334)],
    x86_64: ['Lambda compute, x86_64', 'GB-s', 'GB-second', c(0.0000166667), c(0.0000166667)],
  }),
  ...service('EventBridge Scheduler', `${AWS}/eventbridge/pricing/`, {
    scheduler: [
      'EventBridge Scheduler invocations (after 14M free)',
      'invocations',
      '1M scheduled invocations',
      u(1),
      u(1),
    ],
  }),
  ...service('EventBridge', `${AWS}/eventbridge/pricing/`, {
    events: ['EventBridge custom events (PutEvents)', 'events', '1M custom events', u(1), u(1)],
  }),
  ...service('API Gateway', `${AWS}/api-gateway/pricing/`, {
    httpApi: ['API Gateway HTTP API requests (first 300M)', 'requests', '1M requests', c(1), u(1.11)],
  }),
  ...service('SQS', `${AWS}/sqs/pricing/`, {
    sqs: ['SQS standard requests (per 64 KB chunk)', 'requests', '1M requests', c(0.4), u(0.4)],
  }),
  ...service('DynamoDB', `${AWS}/dynamodb/pricing/on-demand/`, {
    writes: [
      'DynamoDB on-demand writes (after the Nov 2024 halving)',
      'WRU',
      '1M write request units',
      c(0.625),
      d(0.70675),
    ],
    reads: [
      'DynamoDB on-demand reads (after the Nov 2024 halving)',
      'RRU',
      '1M read request units',
      c(0.125),
      d(0.1415),
    ],
    storage: ['DynamoDB storage', 'GB-month', 'GB-month (Standard table class)', u(0.25), u(0.283)],
  }),
  ...service('CloudWatch', `${AWS}/cloudwatch/pricing/`, {
    logsIngestion: ['CloudWatch Logs ingestion', 'GB', 'GB ingested (Standard log class)', c(0.5), u(0.57)],
    logsStorage: ['CloudWatch Logs storage', 'GB-month', 'GB-month stored', c(0.03), u(0.03)],
    metric: ['CloudWatch custom metric (EMF)', 'metric-months', 'metric-month', c(0.3), u(0.3)],
    alarm: ['CloudWatch standard alarm', 'alarm-months', 'standard-resolution alarm metric-month', u(0.1), u(0.1)],
    dashboard: ['CloudWatch dashboard', 'dashboard-months', 'dashboard-month', c(3), u(3)],
  }),
  ...service('Data transfer', `${EC2}#Data_Transfer`, {
    egress: ['Data transfer out to the internet', 'GB', 'GB out to the internet (first 10 TB tier)', u(0.09), u(0.09)],
  }),
  ...service('EC2', EC2, {
    instance: ['EC2 m7g.large (always-on worker)', 'instance-hours', 'instance-hour (Linux)', c(0.0816), u(0.0892)],
  }),
  ...service('ElastiCache', `${AWS}/elasticache/pricing/`, {
    broker: [
      'ElastiCache cache.t4g.small (queue broker)',
      'node-hours',
      'node-hour (Redis OSS/Valkey)',
      u(0.032),
      u(0.036),
    ],
  }),
  ...service('EBS', `${AWS}/ebs/pricing/`, { ebs: ['EBS gp3', 'GB-month', 'GB-month (gp3)', u(0.08), u(0.088)] }),
};

export type PriceKey = keyof typeof ROWS;
/** Each price's label in docs/COST.md, in the price table's order. */
export const PRICE_LABELS = Object.entries(ROWS).map(([key, { row }]) => [key as PriceKey, row[0]] as const);
/** The service each price bills and the unit of its quantity. */
export const billedAs = (key: PriceKey) => ({ service: ROWS[key].service, unit: ROWS[key].row[1] });

const pricesOf = (column: 3 | 4) =>
  Object.fromEntries(
    Object.entries(ROWS).map(([key, { page, row }]) => {
      const [usd, status] = row[column];
      return [key, { usd, per: row[2], page, status }];
    }),
  ) as Readonly<Record<PriceKey, Price>>;

export const PRICES: Readonly<Record<Region, Readonly<Record<PriceKey, Price>>>> = {
  'us-east-1': pricesOf(3),
  'eu-west-1': pricesOf(4),
};
