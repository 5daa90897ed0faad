import { type CostLine, sumUsd } from './cost-line.js';
import { freeTierLines } from './free-tier.js';
import type { CostInput } from './input.js';
import type { RegionPrices } from './prices.js';
import { type RunProfile, runProfile } from './run-profile.js';
import {
  cloudwatchLines,
  dynamodbLines,
  egressLines,
  lambdaLines,
  type Month,
  schedulerLines,
  sqsLines,
} from './service-lines.js';
import { monthlyUsage } from './usage.js';

/** The serverless pipeline's monthly bill for `run`, service by service, then the free tier when asked for. */
export function serverlessLines(input: CostInput, prices: RegionPrices, run: RunProfile): CostLine[] {
  const month: Month = { input, prices, run, usage: monthlyUsage(input, run) };
  return [
    ...schedulerLines(month),
    ...lambdaLines(month),
    ...sqsLines(month),
    ...dynamodbLines(month),
    ...cloudwatchLines(month),
    ...egressLines(month),
    ...(input.freeTier ? freeTierLines(month) : []),
  ];
}

/** The serverless pipeline's monthly total for `input`. */
export const serverlessTotal = (input: CostInput, prices: RegionPrices) =>
  sumUsd(serverlessLines(input, prices, runProfile(input, prices)));
