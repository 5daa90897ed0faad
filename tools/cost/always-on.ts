import { HOURS_PER_MONTH } from './billing.js';
import { type CostLine, line, sumUsd } from './cost-line.js';
import type { CostInput } from './input.js';
import type { Price, RegionPrices } from './prices.js';
import { serverlessTotal } from './serverless.js';

/** An always-on worker, for comparison: instances sized for the daily peak, a queue broker, disks, egress. */
export function alwaysOnLines(input: CostInput, prices: RegionPrices): CostLine[] {
  const hours = input.daysPerMonth * 24;
  const { worker } = input;
  // The input's checks make sure both types have a price in the region.
  const instance = prices.worker.instanceHour[worker.instanceType] as Price;
  const broker = prices.worker.brokerHour[worker.brokerType] as Price;
  return [
    line(
      'EC2',
      `${worker.instances} x ${worker.instanceType} worker with its own scheduler, always on`,
      worker.instances * hours,
      'instance-hours',
      instance,
    ),
    line(
      'ElastiCache',
      `${worker.brokers} x ${worker.brokerType} queue broker`,
      worker.brokers * hours,
      'node-hours',
      broker,
    ),
    line(
      'EBS',
      `${worker.ebsGbPerInstance} GB gp3 per instance`,
      (worker.instances * worker.ebsGbPerInstance * hours) / HOURS_PER_MONTH,
      'GB-month',
      prices.worker.ebsGp3GbMonth,
    ),
    line(
      'Data transfer',
      'sends to the provider (same bytes as the serverless senders)',
      (input.audience * input.runsPerDay * input.daysPerMonth * input.egressBytesPerNotification) / 1e9,
      'GB',
      prices.dataTransfer.internetOutGb,
    ),
  ];
}

/** The audience per run above which the always-on worker is cheaper, or null when it never is (up to 10^9). */
export function breakEvenAudience(input: CostInput, prices: RegionPrices): number | null {
  const at = (audience: number) =>
    serverlessTotal({ ...input, audience }, prices) - sumUsd(alwaysOnLines({ ...input, audience }, prices));
  let low = 1;
  let high = 1_000_000_000;
  if (at(low) >= 0) return low;
  if (at(high) < 0) return null;
  while (high - low > Math.max(1, low * 0.001)) {
    const middle = Math.floor((low + high) / 2);
    if (at(middle) < 0) low = middle;
    else high = middle;
  }
  return high;
}
