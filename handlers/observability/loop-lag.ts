import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The longest pause of this process's event loop over the last second, in milliseconds. A request that looks slow
 * from inside may only be waiting for the loop: on a fraction of a vCPU a burst of answers to parse can stall it for
 * hundreds of milliseconds, and a straggler threshold that ignored that would give up requests the provider answered.
 */
export function eventLoopLag(): () => number {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let lastSecondMs = 0;
  setInterval(() => {
    lastSecondMs = histogram.max / 1e6;
    histogram.reset();
  }, 1_000).unref();
  return () => Math.max(lastSecondMs, histogram.max / 1e6);
}
