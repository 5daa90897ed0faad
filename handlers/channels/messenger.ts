import type { MessengerChannelConfig } from '../config/schema.js';
import { deliveryErrorFor, parseRetryAfter } from '../core/classify.js';
import { FatalChannelError } from '../core/errors.js';
import type { Channel, OutboundMessage, Receipt, RenderedParameters, RenderedUtility } from './channel.js';
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

const quickRepliesOf = (message: OutboundMessage) =>
  message.quickReplies?.length
    ? {
        quick_replies: message.quickReplies.map((reply) => ({
          content_type: 'text',
          title: reply.title,
          payload: reply.payload,
        })),
      }
    : {};

/** A list fills {{1}}, {{2}}, ... in order; an object fills named placeholders, each with its `parameter_name`. */
function templateParameters(values: RenderedParameters) {
  if (Array.isArray(values)) return values.map((text: string) => ({ type: 'text', text }));
  return Object.entries(values).map(([name, text]) => ({ type: 'text', parameter_name: name, text }));
}

/**
 * `message.template` of a utility message: the template's name, `language.code`, and a component per part whose
 * placeholders the job fills
 * (https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages/utility-messages).
 */
export function utilityTemplate(utility: RenderedUtility): Record<string, unknown> {
  const components = (['header', 'body'] as const).flatMap((type) => {
    const values = utility[type];
    return values ? [{ type, parameters: templateParameters(values) }] : [];
  });
  return { name: utility.name, language: { code: utility.language }, components };
}

/**
 * The Send API request for one message (https://developers.facebook.com/docs/messenger-platform/reference/send-api/).
 * A PSID goes as `recipient.id` and a checkbox plugin reference as `recipient.user_ref`, both with `messaging_type`
 * (and `tag` for MESSAGE_TAG). A utility template goes to a PSID with `messaging_type` UTILITY and `message.template`.
 * A Recurring Notifications subscription token goes as `recipient.notification_messages_token` without
 * `messaging_type` or `tag`, as Meta's marketing message request has neither
 * (https://developers.facebook.com/docs/messenger-platform/send-messages/recurring-notifications).
 */
export function sendApiBody(message: OutboundMessage): Record<string, unknown> {
  const kind = message.recipientKind ?? 'psid';
  if (message.utility)
    return {
      recipient: { id: message.recipientId },
      messaging_type: 'UTILITY',
      message: { template: utilityTemplate(message.utility) },
    };
  const content = { text: message.text, ...quickRepliesOf(message) };
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
 * The Marketing Message API request for one subscription token: the campaign as `message_id`, the token as
 * `messenger_delivery_data.subscription_token` and the text template's `message.text` (Send Messages and API
 * Reference, Text Template, under
 * https://developers.facebook.com/documentation/business-messaging/messenger-platform/marketing-messages-on-messenger).
 */
export function marketingMessageBody(message: OutboundMessage): Record<string, unknown> {
  const gap = message.marketingMessage?.minConversationGapSeconds;
  return {
    message_id: message.marketingMessage?.messageId,
    messenger_delivery_data: { subscription_token: message.recipientId },
    message: { text: message.text },
    ...(gap === undefined ? {} : { min_conversation_gap_seconds: gap }),
  };
}

/** The path under the API version and the body of one message: the Send API, or the Marketing Message API. */
export function graphRequest(
  config: MessengerChannelConfig,
  message: OutboundMessage,
): { path: string; body: Record<string, unknown> } {
  if (message.recipientKind !== 'subscription_token')
    return { path: `${config.pageId}/messages`, body: sendApiBody(message) };
  if (!config.adAccountId || !message.marketingMessage)
    throw new FatalChannelError(
      `channel "${config.id}": a subscription_token job needs the channel's adAccountId and the job's marketingMessage`,
    );
  return { path: `act_${config.adAccountId}/messages`, body: marketingMessageBody(message) };
}

/** The id an accepted answer carries: the Send API's `message_id`, the Marketing Message API's tracking id. */
function acceptedId(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const { message_id: messageId, marketing_message_tracking_id: trackingId } = json as Record<string, unknown>;
  return typeof messageId === 'string' ? messageId : typeof trackingId === 'string' ? trackingId : undefined;
}

/**
 * Messenger: the Send API, and the Marketing Message API for subscription tokens. The page access token travels in
 * the Authorization header, never in the URL, so no error or log line that quotes a URL can carry it.
 */
export function messengerChannel(config: MessengerChannelConfig, accessToken: string): Channel {
  const base = `${config.baseUrl.replace(/\/+$/, '')}/${config.apiVersion}`;
  return {
    type: 'messenger',
    async send(message: OutboundMessage, signal?: AbortSignal): Promise<Receipt> {
      const request = graphRequest(config, message);
      const answer = await postJson(
        `${base}/${request.path}`,
        JSON.stringify(request.body),
        { authorization: `Bearer ${accessToken}` },
        config.timeoutMs,
        signal,
        [accessToken],
      );
      const usagePercent = parseUsagePercent(answer.headers);
      if (answer.status >= 200 && answer.status < 300) {
        const providerMessageId = acceptedId(answer.json);
        return {
          ...(providerMessageId === undefined ? {} : { providerMessageId }),
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
