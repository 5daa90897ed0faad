import type { Price } from './prices.js';

export type Service =
  | 'EventBridge Scheduler'
  | 'Lambda'
  | 'SQS'
  | 'DynamoDB'
  | 'CloudWatch'
  | 'Data transfer'
  | 'EC2'
  | 'ElastiCache'
  | 'EBS';

/** One priced item of a monthly bill. */
export interface CostLine {
  readonly service: Service;
  readonly item: string;
  /** How much was used, in `unit`s. */
  readonly quantity: number;
  readonly unit: string;
  /** The price applied and what it is per; a free-tier line has a negative quantity. */
  readonly price: Price;
  readonly usd: number;
  readonly note?: string;
}

const perMillion = (price: Price) => price.per.startsWith('1M');

/** Prices `quantity` at `price`, which may be per unit or per million units. */
export function line(
  service: Service,
  item: string,
  quantity: number,
  unit: string,
  price: Price,
  note?: string,
): CostLine {
  const usd = (perMillion(price) ? quantity / 1e6 : quantity) * price.usd;
  return { service, item, quantity, unit, price, usd, ...(note ? { note } : {}) };
}

export const sumUsd = (lines: readonly CostLine[]) => lines.reduce((total, entry) => total + entry.usd, 0);

/** A count as the lines and warnings show it: whole, or to one decimal. */
export const formatCount = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
