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
  /** The AWS pricing page the price belongs to. */
  readonly page: string;
  /** ISO date the price was last checked. */
  readonly checked: string;
  readonly status: PriceStatus;
  /** Where a confirmed price was read, or how a derived one was computed. */
  readonly evidence?: string;
}

export const ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface RegionPrices {
  readonly region: string;
  readonly name: string;
  readonly lambda: {
    readonly requests: Price;
    readonly gbSecond: Readonly<Record<Architecture, Price>>;
  };
  readonly scheduler: {
    readonly invocations: Price;
    /** Scheduled invocations free every month (a price tier, not a promotion). */
    readonly freeInvocationsPerMonth: number;
  };
  readonly sqs: {
    readonly standardRequests: Price;
    /** Each chunk of this many bytes of one API call's payload is billed as one request. */
    readonly chunkBytes: number;
  };
  readonly dynamodb: {
    readonly onDemandWrites: Price;
    readonly onDemandReads: Price;
    readonly storageGbMonth: Price;
  };
  readonly cloudwatch: {
    readonly logsIngestion: Price;
    readonly logsStorage: Price;
    readonly customMetric: Price;
    readonly standardAlarm: Price;
    readonly dashboard: Price;
  };
  /** Lambda outside a VPC reaches the provider over the internet: billed as data transfer out. */
  readonly dataTransfer: { readonly internetOutGb: Price };
  /** For the always-on worker the estimate compares with. */
  readonly worker: {
    readonly instanceHour: Readonly<Record<string, Price>>;
    readonly brokerHour: Readonly<Record<string, Price>>;
    readonly ebsGp3GbMonth: Price;
  };
}

/** The account-level AWS Free Tier (always-free parts), applied only when the model is asked to. */
export const FREE_TIER = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  sqsRequests: 1_000_000,
  dynamodbStorageGb: 25,
  cloudwatchMetrics: 10,
  cloudwatchAlarms: 10,
  cloudwatchDashboards: 3,
  cloudwatchLogsGb: 5,
  /** Data transfer out to the internet, aggregated over the account's regions. */
  dataTransferOutGb: 100,
} as const;

const CHECKED = '2026-11-28';

const PAGES = {
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  scheduler: 'https://aws.amazon.com/eventbridge/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  dynamodbOnDemand: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  elasticache: 'https://aws.amazon.com/elasticache/pricing/',
  ebs: 'https://aws.amazon.com/ebs/pricing/',
  dataTransfer: 'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer',
} as const;

const price = (usd: number, per: string, page: string, status: PriceStatus, evidence?: string): Price => ({
  usd,
  per,
  page,
  checked: CHECKED,
  status,
  ...(evidence ? { evidence } : {}),
});

const EVIDENCE = {
  lambda:
    'AWS Lambda pricing page; arm64 $0.0000133334 and x86_64 $0.0000166667 per GB-s, $0.20 per 1M requests, ' +
    'in several 2024-2026 guides (e.g. cloudchipr.com/blog/aws-lambda-pricing)',
  lambdaRegions:
    'same rates in eu-west-1: regional Lambda price tables list only af-south-1, ap-east-1, eu-south-1, me-* ' +
    'as different from the base rate',
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
  cloudwatchDashboard: 'factualminds.com CloudWatch pricing (June 2026): $3 per dashboard-month',
  ec2: 'factualminds.com EC2 on-demand pricing (June 2026): m7g.large Linux $0.0816 per hour in us-east-1',
  schedulerTier:
    'AWS price list (AWSEvents): "$0 for the first 14 million scheduled invocations" in every region; ' +
    '$1.25 per 1M after it in Tokyo',
} as const;

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': {
    region: 'us-east-1',
    name: 'US East (N. Virginia)',
    lambda: {
      requests: price(0.2, '1M requests', PAGES.lambda, 'confirmed', EVIDENCE.lambda),
      gbSecond: {
        arm64: price(0.0000133334, 'GB-second', PAGES.lambda, 'confirmed', EVIDENCE.lambda),
        x86_64: price(0.0000166667, 'GB-second', PAGES.lambda, 'confirmed', EVIDENCE.lambda),
      },
    },
    scheduler: {
      invocations: price(1.0, '1M scheduled invocations', PAGES.scheduler, 'unverified', EVIDENCE.schedulerTier),
      freeInvocationsPerMonth: 14_000_000,
    },
    sqs: { standardRequests: price(0.4, '1M requests', PAGES.sqs, 'confirmed', EVIDENCE.sqs), chunkBytes: 64 * 1024 },
    dynamodb: {
      onDemandWrites: price(0.625, '1M write request units', PAGES.dynamodbOnDemand, 'confirmed', EVIDENCE.dynamodbCut),
      onDemandReads: price(0.125, '1M read request units', PAGES.dynamodbOnDemand, 'confirmed', EVIDENCE.dynamodbCut),
      storageGbMonth: price(0.25, 'GB-month (Standard table class)', PAGES.dynamodbOnDemand, 'unverified'),
    },
    cloudwatch: {
      logsIngestion: price(
        0.5,
        'GB ingested (Standard log class)',
        PAGES.cloudwatch,
        'confirmed',
        EVIDENCE.cloudwatchLogs,
      ),
      logsStorage: price(0.03, 'GB-month stored', PAGES.cloudwatch, 'confirmed', EVIDENCE.cloudwatchLogs),
      customMetric: price(0.3, 'metric-month', PAGES.cloudwatch, 'confirmed', EVIDENCE.cloudwatchMetrics),
      standardAlarm: price(0.1, 'standard-resolution alarm metric-month', PAGES.cloudwatch, 'unverified'),
      dashboard: price(3.0, 'dashboard-month', PAGES.cloudwatch, 'confirmed', EVIDENCE.cloudwatchDashboard),
    },
    dataTransfer: {
      internetOutGb: price(0.09, 'GB out to the internet (first 10 TB tier)', PAGES.dataTransfer, 'unverified'),
    },
    worker: {
      instanceHour: {
        'm7g.large': price(0.0816, 'instance-hour (Linux)', PAGES.ec2, 'confirmed', EVIDENCE.ec2),
        't4g.medium': price(0.0336, 'instance-hour (Linux)', PAGES.ec2, 'unverified'),
        'm7g.xlarge': price(0.1632, 'instance-hour (Linux)', PAGES.ec2, 'unverified'),
      },
      brokerHour: {
        'cache.t4g.small': price(0.032, 'node-hour (Redis OSS/Valkey)', PAGES.elasticache, 'unverified'),
        'cache.t4g.micro': price(0.016, 'node-hour (Redis OSS/Valkey)', PAGES.elasticache, 'unverified'),
      },
      ebsGp3GbMonth: price(0.08, 'GB-month (gp3)', PAGES.ebs, 'unverified'),
    },
  },
  'eu-west-1': {
    region: 'eu-west-1',
    name: 'Europe (Ireland)',
    lambda: {
      requests: price(0.2, '1M requests', PAGES.lambda, 'confirmed', `${EVIDENCE.lambda}; ${EVIDENCE.lambdaRegions}`),
      gbSecond: {
        arm64: price(
          0.0000133334,
          'GB-second',
          PAGES.lambda,
          'confirmed',
          `${EVIDENCE.lambda}; ${EVIDENCE.lambdaRegions}`,
        ),
        x86_64: price(
          0.0000166667,
          'GB-second',
          PAGES.lambda,
          'confirmed',
          `${EVIDENCE.lambda}; ${EVIDENCE.lambdaRegions}`,
        ),
      },
    },
    scheduler: {
      invocations: price(1.0, '1M scheduled invocations', PAGES.scheduler, 'unverified', EVIDENCE.schedulerTier),
      freeInvocationsPerMonth: 14_000_000,
    },
    sqs: { standardRequests: price(0.4, '1M requests', PAGES.sqs, 'unverified'), chunkBytes: 64 * 1024 },
    dynamodb: {
      onDemandWrites: price(
        0.70675,
        '1M write request units',
        PAGES.dynamodbOnDemand,
        'derived',
        'pre-November-2024 eu-west-1 list price $1.4135 per 1M WRU, halved by the 2024-11-01 on-demand reduction',
      ),
      onDemandReads: price(
        0.1415,
        '1M read request units',
        PAGES.dynamodbOnDemand,
        'derived',
        'pre-November-2024 eu-west-1 list price $0.283 per 1M RRU, halved by the 2024-11-01 on-demand reduction',
      ),
      storageGbMonth: price(0.283, 'GB-month (Standard table class)', PAGES.dynamodbOnDemand, 'unverified'),
    },
    cloudwatch: {
      logsIngestion: price(0.57, 'GB ingested (Standard log class)', PAGES.cloudwatch, 'unverified'),
      logsStorage: price(0.03, 'GB-month stored', PAGES.cloudwatch, 'unverified'),
      customMetric: price(0.3, 'metric-month', PAGES.cloudwatch, 'unverified'),
      standardAlarm: price(0.1, 'standard-resolution alarm metric-month', PAGES.cloudwatch, 'unverified'),
      dashboard: price(3.0, 'dashboard-month', PAGES.cloudwatch, 'unverified'),
    },
    dataTransfer: {
      internetOutGb: price(0.09, 'GB out to the internet (first 10 TB tier)', PAGES.dataTransfer, 'unverified'),
    },
    worker: {
      instanceHour: {
        'm7g.large': price(0.0892, 'instance-hour (Linux)', PAGES.ec2, 'unverified'),
        't4g.medium': price(0.0368, 'instance-hour (Linux)', PAGES.ec2, 'unverified'),
        'm7g.xlarge': price(0.1784, 'instance-hour (Linux)', PAGES.ec2, 'unverified'),
      },
      brokerHour: {
        'cache.t4g.small': price(0.036, 'node-hour (Redis OSS/Valkey)', PAGES.elasticache, 'unverified'),
        'cache.t4g.micro': price(0.018, 'node-hour (Redis OSS/Valkey)', PAGES.elasticache, 'unverified'),
      },
      ebsGp3GbMonth: price(0.088, 'GB-month (gp3)', PAGES.ebs, 'unverified'),
    },
  },
};

export const REGIONS = Object.keys(PRICES);

export function pricesFor(region: string): RegionPrices {
  const prices = PRICES[region];
  if (!prices) throw new RangeError(`no price table for region "${region}"; known regions: ${REGIONS.join(', ')}`);
  return prices;
}
