/**
 * AWS list prices the cost model reads, per region, as data. Every price names the page it belongs to, the date it
 * was last checked and how: `confirmed` (the number was read in a dated public source on that day), `derived`
 * (computed from a confirmed rule, e.g. the November 2024 DynamoDB on-demand halving applied to the earlier list
 * price) or `unverified` (the AWS list price as known to the author, not found in a source on that day: check it
 * before relying on it). Prices change: update the number, the date and the status together.
 *
 * USD, on-demand, no Savings Plans or enterprise discounts, first volume tier only (the tiers that follow start
 * far beyond this service's scale: 6 billion Lambda GB-s, 100 billion SQS requests a month).
 */

export type PriceStatus = 'confirmed' | 'derived' | 'unverified';

export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "1M requests", "GB-second". */
  readonly per: string;
  readonly page: string;
  /** ISO date the price was last checked. */
  readonly checked: string;
  readonly status: PriceStatus;
  /** Where a confirmed price was read, or how a derived one was computed. */
  readonly evidence?: string;
}

export const REGION_NAMES = { 'us-east-1': 'US East (N. Virginia)', 'eu-west-1': 'Europe (Ireland)' } as const;
export type Region = keyof typeof REGION_NAMES;
export const REGIONS = Object.keys(REGION_NAMES) as Region[];
export const ARCHITECTURES = ['arm64', 'x86_64'] as const;

/** Scheduled invocations free every month in every region (a price tier, not a promotion). */
export const FREE_SCHEDULED_INVOCATIONS = 14_000_000;

const CHECKED = '2026-11-28';
const AWS = 'https://aws.amazon.com';
const LAMBDA = `${AWS}/lambda/pricing/`;
const DDB = `${AWS}/dynamodb/pricing/on-demand/`;
const CW = `${AWS}/cloudwatch/pricing/`;
const EC2 = `${AWS}/ec2/pricing/on-demand/`;

const EVIDENCE = {
  lambda:
    'AWS Lambda pricing page; arm64 $0.0000133334 and x86_64 $0.0000166667 per GB-s, $0.20 per 1M requests, ' +
    'in several 2024-2026 guides (e.g. cloudchipr.com/blog/aws-lambda-pricing)',
  sqs:
    'cloudburn.io/blog/amazon-sqs-pricing (March 2026) and factualminds.com SQS pricing (June 2026): ' +
    '$0.40 per 1M standard requests, 64 KB chunks, first 1M free',
  dynamodbCut:
    'on-demand throughput prices halved from 2024-11-01 (AWS announcement; jusdb.com, airbyte.com July 2025): ' +
    'us-east-1 $0.625 per 1M WRU, $0.125 per 1M RRU',
  cloudwatchLogs:
    'c3x.dev CloudWatch Logs cost guide (June 2026): ' +
    '$0.50 per GB ingested, $0.03 per GB-month stored (us-east-1, Standard class)',
  cloudwatchMetrics:
    'signoz.io CloudWatch pricing guide (Feb 2026): $0.30 per metric-month for the first 10,000; prorated by the hour',
  scheduler:
    'AWS price list (AWSEvents): "$0 for the first 14 million scheduled invocations" in every region; ' +
    '$1.25 per 1M after it in Tokyo',
  halved: (price: string, unit: string) =>
    `pre-November-2024 eu-west-1 list price $${price} per 1M ${unit}, halved by the 2024-11-01 on-demand reduction`,
};
const LAMBDA_EU =
  `${EVIDENCE.lambda}; same rates in eu-west-1: regional Lambda price tables list only af-south-1, ap-east-1, ` +
  'eu-south-1, me-* as different from the base rate';

const U = 'unverified';
/** One region's quote: the price, its status, and its evidence when there is some. */
type Quote = readonly [usd: number, status: PriceStatus, evidence?: string];
/** A price: its label in docs/COST.md, what it is per, its page, then the quotes for us-east-1 and eu-west-1. */
type Row = readonly [label: string, per: string, page: string, us: Quote, eu: Quote];

// The order is the price table's in docs/COST.md.
const ROWS = {
  requests: [
    'Lambda requests',
    '1M requests',
    LAMBDA,
    [0.2, 'confirmed', EVIDENCE.lambda],
    [0.2, 'confirmed', LAMBDA_EU],
  ],
  arm64: [
    'Lambda compute, arm64',
    'GB-second',
    LAMBDA,
    [0.0000133334, 'confirmed', EVIDENCE.lambda],
    [0.0000133334, 'confirmed', LAMBDA_EU],
  ],
  x86_64: [
    'Lambda compute, x86_64',
    'GB-second',
    LAMBDA,
    [0.0000166667, 'confirmed', EVIDENCE.lambda],
    [0.0000166667, 'confirmed', LAMBDA_EU],
  ],
  scheduler: [
    'EventBridge Scheduler invocations (after 14M free)',
    '1M scheduled invocations',
    `${AWS}/eventbridge/pricing/`,
    [1, U, EVIDENCE.scheduler],
    [1, U, EVIDENCE.scheduler],
  ],
  sqs: [
    'SQS standard requests (per 64 KB chunk)',
    '1M requests',
    `${AWS}/sqs/pricing/`,
    [0.4, 'confirmed', EVIDENCE.sqs],
    [0.4, U],
  ],
  writes: [
    'DynamoDB on-demand writes (after the Nov 2024 halving)',
    '1M write request units',
    DDB,
    [0.625, 'confirmed', EVIDENCE.dynamodbCut],
    [0.70675, 'derived', EVIDENCE.halved('1.4135', 'WRU')],
  ],
  reads: [
    'DynamoDB on-demand reads (after the Nov 2024 halving)',
    '1M read request units',
    DDB,
    [0.125, 'confirmed', EVIDENCE.dynamodbCut],
    [0.1415, 'derived', EVIDENCE.halved('0.283', 'RRU')],
  ],
  storage: ['DynamoDB storage', 'GB-month (Standard table class)', DDB, [0.25, U], [0.283, U]],
  logsIngestion: [
    'CloudWatch Logs ingestion',
    'GB ingested (Standard log class)',
    CW,
    [0.5, 'confirmed', EVIDENCE.cloudwatchLogs],
    [0.57, U],
  ],
  logsStorage: [
    'CloudWatch Logs storage',
    'GB-month stored',
    CW,
    [0.03, 'confirmed', EVIDENCE.cloudwatchLogs],
    [0.03, U],
  ],
  metric: [
    'CloudWatch custom metric (EMF)',
    'metric-month',
    CW,
    [0.3, 'confirmed', EVIDENCE.cloudwatchMetrics],
    [0.3, U],
  ],
  alarm: ['CloudWatch standard alarm', 'standard-resolution alarm metric-month', CW, [0.1, U], [0.1, U]],
  dashboard: [
    'CloudWatch dashboard',
    'dashboard-month',
    CW,
    [3, 'confirmed', 'factualminds.com CloudWatch pricing (June 2026): $3 per dashboard-month'],
    [3, U],
  ],
  egress: [
    'Data transfer out to the internet',
    'GB out to the internet (first 10 TB tier)',
    `${EC2}#Data_Transfer`,
    [0.09, U],
    [0.09, U],
  ],
  instance: [
    'EC2 m7g.large (always-on worker)',
    'instance-hour (Linux)',
    EC2,
    [
      0.0816,
      'confirmed',
      'factualminds.com EC2 on-demand pricing (June 2026): m7g.large Linux $0.0816 per hour in us-east-1',
    ],
    [0.0892, U],
  ],
  broker: [
    'ElastiCache cache.t4g.small (queue broker)',
    'node-hour (Redis OSS/Valkey)',
    `${AWS}/elasticache/pricing/`,
    [0.032, U],
    [0.036, U],
  ],
  ebs: ['EBS gp3', 'GB-month (gp3)', `${AWS}/ebs/pricing/`, [0.08, U], [0.088, U]],
} satisfies Record<string, Row>;

export type PriceKey = keyof typeof ROWS;
export type RegionPrices = Readonly<Record<PriceKey, Price>>;

/** The label docs/COST.md gives each price, in the price table's order. */
export const PRICE_LABELS = Object.entries(ROWS).map(([key, [label]]) => [key as PriceKey, label] as const);

const price = (per: string, page: string, [usd, status, evidence]: Quote): Price => ({
  usd,
  per,
  page,
  checked: CHECKED,
  status,
  ...(evidence ? { evidence } : {}),
});

const pricesOf = (column: 3 | 4): RegionPrices =>
  Object.fromEntries(
    Object.entries(ROWS).map(([key, row]: [string, Row]) => [key, price(row[1], row[2], row[column])]),
  ) as RegionPrices;

export const PRICES: Readonly<Record<Region, RegionPrices>> = { 'us-east-1': pricesOf(3), 'eu-west-1': pricesOf(4) };
