import { writeLine } from './log.js';

/** EMF accepts at most this many values of one metric in one document. */
export const EMF_MAX_VALUES = 100;

export type CountMetric =
  | 'Planned'
  | 'Enqueued'
  | 'EnqueueFailed'
  | 'Continuations'
  | 'Sent'
  | 'Skipped'
  | 'FailedPermanent'
  | 'FailedMalformed'
  | 'Transient'
  | 'RateLimited'
  | 'Retried'
  | 'FatalChannel'
  | 'RunsOverdue'
  | 'RunWatches';

/** Shares, in percent: the failed share of a run as it ends (the failed-share alarm reads its maximum). */
export type PercentMetric = 'RunFailedPercent';

/**
 * CloudWatch Embedded Metric Format: one log line per job and flush, no PutMetricData call on the hot path.
 * Dimension sets [Service] and [Service, Job] give both the fleet view the alarms watch and a per-job view.
 */
export class Metrics {
  readonly #service: string;
  readonly #namespace: string;
  readonly #counts = new Map<string, Map<CountMetric, number>>();
  readonly #latencies = new Map<string, number[]>();
  readonly #percents = new Map<string, Map<PercentMetric, number[]>>();

  constructor(service: string, namespace = 'Notifier') {
    this.#service = service;
    this.#namespace = namespace;
  }

  count(job: string, metric: CountMetric, value = 1): void {
    const counts = this.#counts.get(job) ?? new Map<CountMetric, number>();
    counts.set(metric, (counts.get(metric) ?? 0) + value);
    this.#counts.set(job, counts);
  }

  percent(job: string, metric: PercentMetric, value: number): void {
    const percents = this.#percents.get(job) ?? new Map<PercentMetric, number[]>();
    const values = percents.get(metric) ?? [];
    if (values.length < EMF_MAX_VALUES) values.push(value);
    percents.set(metric, values);
    this.#percents.set(job, percents);
  }

  latency(job: string, milliseconds: number): void {
    const values = this.#latencies.get(job) ?? [];
    if (values.length < EMF_MAX_VALUES) values.push(Math.round(milliseconds));
    this.#latencies.set(job, values);
  }

  flush(timestamp = Date.now()): void {
    const jobs = new Set([...this.#counts.keys(), ...this.#latencies.keys(), ...this.#percents.keys()]);
    for (const job of jobs) {
      const counts = this.#counts.get(job) ?? new Map<CountMetric, number>();
      const latencies = this.#latencies.get(job) ?? [];
      const definitions: { Name: string; Unit: string }[] = [...counts.keys()].map((name) => ({
        Name: name,
        Unit: 'Count',
      }));
      const values: Record<string, number | number[]> = Object.fromEntries(counts);
      if (latencies.length > 0) {
        definitions.push({ Name: 'ProviderLatency', Unit: 'Milliseconds' });
        values.ProviderLatency = latencies;
      }
      for (const [name, shares] of this.#percents.get(job) ?? []) {
        definitions.push({ Name: name, Unit: 'Percent' });
        values[name] = shares;
      }
      writeLine(
        JSON.stringify({
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              { Namespace: this.#namespace, Dimensions: [['Service'], ['Service', 'Job']], Metrics: definitions },
            ],
          },
          Service: this.#service,
          Job: job,
          ...values,
        }),
      );
    }
    this.#counts.clear();
    this.#latencies.clear();
    this.#percents.clear();
  }
}
