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
  | 'Suppressed';

/**
 * The run alarms' metrics (docs/adr/0014-run-alarms-and-end-of-run-event.md), each in the one dimension set its alarm
 * reads, since a custom metric is billed by the hour for every set: a run's failed share as it ends (Percent) and a
 * job's overdue runs at each watch, in [Service, Job]; the watch's heartbeat in [Service].
 */
export type RunMetric =
  | { readonly name: 'RunFailedPercent'; readonly job: string; readonly value: number }
  | { readonly name: 'RunsOverdue'; readonly job: string; readonly value: number }
  | { readonly name: 'RunWatches'; readonly value: number };

const RUN_METRIC_UNITS = { RunFailedPercent: 'Percent', RunsOverdue: 'Count', RunWatches: 'Count' } as const;

/**
 * CloudWatch Embedded Metric Format: one log line per job and flush, no PutMetricData call on the hot path.
 * Dimension sets [Service] and [Service, Job] give both the fleet view the alarms watch and a per-job view.
 */
export class Metrics {
  readonly #service: string;
  readonly #namespace: string;
  readonly #counts = new Map<string, Map<CountMetric, number>>();
  readonly #latencies = new Map<string, number[]>();
  readonly #runMetrics: RunMetric[] = [];

  constructor(service: string, namespace = 'Notifier') {
    this.#service = service;
    this.#namespace = namespace;
  }

  count(job: string, metric: CountMetric, value = 1): void {
    const counts = this.#counts.get(job) ?? new Map<CountMetric, number>();
    counts.set(metric, (counts.get(metric) ?? 0) + value);
    this.#counts.set(job, counts);
  }

  run(metric: RunMetric): void {
    this.#runMetrics.push(metric);
  }

  latency(job: string, milliseconds: number): void {
    const values = this.#latencies.get(job) ?? [];
    if (values.length < EMF_MAX_VALUES) values.push(Math.round(milliseconds));
    this.#latencies.set(job, values);
  }

  flush(timestamp = Date.now()): void {
    const jobs = new Set([...this.#counts.keys(), ...this.#latencies.keys()]);
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
    this.#flushRunMetrics(timestamp);
  }

  /** One document per run metric: few (one per run's end, one per job and watch), each in its own dimension set. */
  #flushRunMetrics(timestamp: number): void {
    for (const metric of this.#runMetrics.splice(0)) {
      const job = 'job' in metric ? { Job: metric.job } : {};
      const dimensions = 'job' in metric ? [['Service', 'Job']] : [['Service']];
      writeLine(
        JSON.stringify({
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              {
                Namespace: this.#namespace,
                Dimensions: dimensions,
                Metrics: [{ Name: metric.name, Unit: RUN_METRIC_UNITS[metric.name] }],
              },
            ],
          },
          Service: this.#service,
          ...job,
          [metric.name]: metric.value,
        }),
      );
    }
  }
}
