import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { toIssues } from '../core/issues.js';
import { idSchema } from './schema.js';

/**
 * What EventBridge Scheduler sends, `{ job, scheduledTime }` from the schedule's input template; a planner handing a
 * run over to a continuation sends the same with `continuation`, the number of handovers so far, and `stuck`, the
 * outstanding tasks its lead takes as gone (handlers/planning/lead.ts), once there are any.
 */
export const plannerEventSchema = z.object({
  job: idSchema,
  scheduledTime: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 timestamp'),
  continuation: z.number().int().min(0).optional(),
  stuck: z.number().int().min(0).optional(),
});

export type PlannerEvent = z.infer<typeof plannerEventSchema>;

export function parsePlannerEvent(input: unknown): PlannerEvent {
  const result = plannerEventSchema.safeParse(input);
  if (!result.success) throw new ConfigError('planner event', toIssues(result.error));
  return result.data;
}

/**
 * What the watch schedule sends every few minutes: each scheduled job's deadlines, which the module derives from its
 * schedule (docs/adr/0014-run-alarms-and-end-of-run-event.md). The planner then looks at the jobs' open runs.
 */
export const watchEventSchema = z.strictObject({
  watch: z.strictObject({
    jobs: z.record(
      idSchema,
      z
        .strictObject({
          overdueAfterSeconds: z.number().int().min(60),
          endAfterSeconds: z.number().int().min(60),
        })
        .refine((job) => job.endAfterSeconds > job.overdueAfterSeconds, {
          message: 'endAfterSeconds must be longer than overdueAfterSeconds',
        }),
    ),
  }),
});

export type WatchEvent = z.infer<typeof watchEventSchema>;

/** A tick (or its continuation), or the watch: told apart by the `watch` key, each validated by its own schema. */
export function parsePlannerInput(
  input: unknown,
): { kind: 'tick'; event: PlannerEvent } | { kind: 'watch'; event: WatchEvent } {
  if (typeof input !== 'object' || input === null || !('watch' in input))
    return { kind: 'tick', event: parsePlannerEvent(input) };
  const result = watchEventSchema.safeParse(input);
  if (!result.success) throw new ConfigError('watch event', toIssues(result.error));
  return { kind: 'watch', event: result.data };
}
