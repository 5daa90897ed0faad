import type { MessengerChannelConfig } from '../config/schema.js';
import { deliveryErrorFor, parseRetryAfter } from '../core/classify.js';
import type { Channel, OutboundMessage, Receipt } from './channel.js';
import {
  classifyGraphError,
  graphErrorEntry,
  graphErrorLabel,
  graphErrorReason,
  parseUsagePercent,
} from './graph-errors.js';
import { errorFromStatus, postJson } from './http.js';

interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  subcode?: number;
  traceId?: string;
}

function readGraphError(json: unknown): GraphError | undefined {
  if (!json || typeof json !== 'object' || !('error' in json)) return undefined;
  const error = (json as { error: unknown }).error;
  if (!error || typeof error !== 'object') return undefined;
  const field = (name: string) => (error as Record<string, unknown>)[name];
  const integer = (value: unknown) =>
    typeof value === 'number' && Number.isInteger(value)
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 300) : undefined);
  const result: GraphError = {};
  const [message, type, code, subcode, traceId] = [
    text(field('message')),
    text(field('type')),
    integer(field('code')),
    integer(field('error_subcode')),
    text(field('fbtrace_id')),
  ];
  if (message !== undefined) result.message = message;
  if (type !== undefined) result.type = type;
  if (code !== undefined) result.code = code;
  if (subcode !== undefined) result.subcode = subcode;
  if (traceId !== undefined) result.traceId = traceId;
  return result;
}

/**
 * The Send API request for one message (https://developers.facebook.com/docs/messenger-platform/reference/send-api/).
 * A PSID goes as `recipient.id` and a checkbox plugin reference as `recipient.user_ref`, both with `messaging_type`
 * (and `tag` for MESSAGE_TAG). A Marketing Messages subscription token goes as `recipient.notification_messages_token`
 * without `messaging_type` or `tag`, as Meta's marketing message request has neither
 * (https://developers.facebook.com/docs/messenger-platform/send-messages/recurring-notifications).
 */
export function sendApiBody(message: OutboundMessage): Record<string, unknown> {
  const kind = message.recipientKind ?? 'psid';
  const content = {
    text: message.text,
    ...(message.quickReplies?.length
      ? {
          quick_replies: message.quickReplies.map((reply) => ({
            content_type: 'text',
            title: reply.title,
            payload: reply.payload,
          })),
        }
      : {}),
  };
  if (kind === 'notification_messages_token')
    return { recipient: { notification_messages_token: message.recipientId }, message: content };
  return {
    recipient: kind === 'user_ref' ? { user_ref: message.recipientId } : { id: message.recipientId },
    messaging_type: message.messagingType,
    ...(message.tag ? { tag: message.tag } : {}),
    message: content,
  };
}

/**
 * Messenger Send API. The page access token travels in the Authorization header, never in the URL, so no error
 * or log line that quotes a URL can carry it.
 */
export function messengerChannel(config: MessengerChannelConfig, accessToken: string): Channel {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/${config.apiVersion}/${config.pageId}/messages`;
  return {
    type: 'messenger',
    async send(message: OutboundMessage, signal?: AbortSignal): Promise<Receipt> {
      const body = JSON.stringify(sendApiBody(message));
      const answer = await postJson(url, body, { authorization: `Bearer ${accessToken}` }, config.timeoutMs, signal, [
        accessToken,
      ]);
      const usagePercent = parseUsagePercent(answer.headers);
      if (answer.status >= 200 && answer.status < 300) {
        const messageId =
          answer.json && typeof answer.json === 'object' && 'message_id' in answer.json
            ? (answer.json as { message_id: unknown }).message_id
            : undefined;
        return {
          ...(typeof messageId === 'string' ? { providerMessageId: messageId } : {}),
          ...(usagePercent === undefined ? {} : { usagePercent }),
        };
      }
      const graph = readGraphError(answer.json);
      if (!graph || graph.code === undefined) throw errorFromStatus(answer, 'Graph API');
      const failureClass = classifyGraphError(graph.code, graph.subcode, answer.status);
      const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
      const entry = graphErrorEntry(graph.code, graph.subcode);
      const advice = entry?.advice;
      const said = `${graph.message ?? 'no message'}${graph.traceId ? ` [fbtrace_id ${graph.traceId}]` : ''}`;
      throw deliveryErrorFor(
        failureClass,
        `${graphErrorReason(graphErrorLabel(graph.code, graph.subcode))} (HTTP ${answer.status}): ` +
          `${said}${advice ? `; ${advice}` : ''}`,
        {
          status: answer.status,
          code: graph.code,
          ...(graph.subcode === undefined ? {} : { subcode: graph.subcode }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          ...(entry?.perhapsBlocked ? { perhapsBlocked: true } : {}),
          ...(entry?.suppress ? { suppressible: true } : {}),
        },
      );
    },
  };
}
