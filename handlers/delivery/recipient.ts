import type { Channel, OutboundMessage } from '../channels/channel.js';
import type { JobConfig } from '../config/schema.js';
import { isDeliveryError } from '../core/errors.js';
import type { TaskRecipient } from '../core/task.js';
import { renderTemplate, TemplateError } from '../core/template.js';
import type { AttemptResult } from './dispatcher.js';

export type Rendered = { ok: true; message: OutboundMessage } | { ok: false; field: string; reason: string };

/** The message one recipient gets, or why the job's template cannot be rendered from their fields. */
export function renderMessage(runId: string, job: JobConfig, recipient: TaskRecipient): Rendered {
  try {
    const render = (template: string) => renderTemplate(template, recipient.fields);
    const quickReplies = job.template.quickReplies?.map((reply) => ({
      title: render(reply.title),
      payload: render(reply.payload),
    }));
    return {
      ok: true,
      message: {
        recipientId: recipient.id,
        recipientKind: job.audience.recipientKind,
        text: render(job.template.text),
        messagingType: job.messagingType,
        idempotencyKey: `${runId}/${recipient.id}`,
        ...(quickReplies ? { quickReplies } : {}),
        ...(job.tag ? { tag: job.tag } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false, field: error.field, reason: error.message };
  }
}

/** One request through the channel; what the provider said, never thrown. Anything else (a bug) is thrown. */
export async function sendOnce(
  channel: Channel,
  message: OutboundMessage,
  signal: AbortSignal,
): Promise<AttemptResult> {
  try {
    const receipt = await channel.send(message, signal);
    return { kind: 'sent', ...receipt };
  } catch (error) {
    if (isDeliveryError(error)) return { kind: 'failed', error };
    throw error;
  }
}
