import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { toIssues } from '../core/issues.js';
import { idSchema } from './schema.js';

/**
 * What EventBridge Scheduler sends, `{ job, scheduledTime }` from the schedule's input template; a planner handing a
 * run over to a continuation sends the same with `continuation`, the number of handovers so far.
 */
export const plannerEventSchema = z.object({
  job: idSchema,
  scheduledTime: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 timestamp'),
  continuation: z.number().int().min(0).optional(),
});

export type PlannerEvent = z.infer<typeof plannerEventSchema>;

export function parsePlannerEvent(input: unknown): PlannerEvent {
  const result = plannerEventSchema.safeParse(input);
  if (!result.success) throw new ConfigError('planner event', toIssues(result.error));
  return result.data;
}
