import type { UtilityTemplateModel, WindowModel, WindowRefusal } from './messenger-window.js';

// The sandbox's Marketing Message API and utility templates: what Meta answers to a request on each route, from the
// campaigns, tokens and templates the sandbox knows. Codes and shapes from
// https://developers.facebook.com/documentation/business-messaging/messenger-platform/marketing-messages-on-messenger/api-reference
// and
// https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages/utility-messages.

/**
 * The text template's limit (API reference, Text Template): Meta's, kept apart from the schema's check; a test holds
 * them equal.
 */
export const MARKETING_TEXT_MAX = 640;

/** `POST /<version>/act_<AD_ACCOUNT_ID>/messages`: the Marketing Message API, whatever the query string. */
export const isMarketingPath = (path: string): boolean => /^\/v\d+\.\d+\/act_\d+\/messages(?:\?|$)/.test(path);

const refusal = (code: number, message: string): WindowRefusal => ({ code, message });

type Fields = Record<string, unknown>;
const fieldsOf = (value: unknown): Fields | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;

/** The request's shape: the campaign, the token and a text of at most 640 characters. */
function marketingShape(body: Fields): WindowRefusal | undefined {
  if (typeof body.message_id !== 'string' || body.message_id === '')
    return refusal(100, '(#100) The parameter message_id is required');
  const token = fieldsOf(body.messenger_delivery_data)?.subscription_token;
  if (typeof token !== 'string' || token === '')
    return refusal(100, '(#100) The parameter messenger_delivery_data.subscription_token is required');
  const text = fieldsOf(body.message)?.text;
  if (typeof text !== 'string' || text === '' || [...text].length > MARKETING_TEXT_MAX)
    return refusal(2300010, 'There is no valid message creative/payload for the given message sending request.');
  return undefined;
}

const CAMPAIGN_REFUSALS = {
  inactive: refusal(
    2300000,
    'You cannot send a message unless the message campaign under which the message exists is active.',
  ),
  'not-ready': refusal(2300041, 'The campaign is not ready for message delivery. Please try again later.'),
} as const;

const TOKEN_REFUSALS = {
  'opted-out': refusal(2300034, 'The subscriber has stopped marketing messages subscription.'),
  'other-page': refusal(
    2300005,
    'The page id behind your message does not match the page id on the messenger subscription token.',
  ),
  expired: refusal(2300037, 'The subscription token has expired, and can no longer be used to send a message.'),
} as const;

/**
 * The Marketing Message API's answer to one request, in its order: the shape, the campaign (when the model lists
 * campaigns), the token (when there is a model). Undefined means the message is sent.
 */
export function marketingRefusal(body: unknown, model: WindowModel | undefined): WindowRefusal | undefined {
  const fields = fieldsOf(body);
  if (!fields) return refusal(100, '(#100) Invalid JSON body');
  const shape = marketingShape(fields);
  if (shape || !model) return shape;
  if (model.campaigns) {
    const campaign = model.campaigns.get(fields.message_id as string);
    if (campaign === undefined)
      return refusal(
        2300001,
        'The message ID you supplied is invalid. The message with this ID either does not exist.',
      );
    if (campaign !== 'active') return CAMPAIGN_REFUSALS[campaign];
  }
  const token = fieldsOf(fields.messenger_delivery_data)?.subscription_token as string;
  const state = model.tokens.get(token);
  if (state === 'valid') return undefined;
  if (state === undefined) return refusal(2300004, 'The subscription token you passed in could not be loaded.');
  return TOKEN_REFUSALS[state];
}

/** How many values a template part needs, and by which names when its placeholders are named. */
const placeholders = (part: readonly string[] | number | undefined) =>
  part === undefined
    ? { count: 0, names: [] }
    : typeof part === 'number'
      ? { count: part, names: [] }
      : {
          count: part.length,
          names: part,
        };

/** Whether `parameters` fill the part's placeholders: the same count, and every name when they are named. */
function fills(part: readonly string[] | number | undefined, parameters: readonly Fields[]): boolean {
  const { count, names } = placeholders(part);
  if (parameters.length !== count) return false;
  if (names.length === 0) return parameters.every((parameter) => typeof parameter.text === 'string');
  return names.every((name) =>
    parameters.some((parameter) => parameter.parameter_name === name && typeof parameter.text === 'string'),
  );
}

function componentParameters(template: Fields, type: 'header' | 'body'): readonly Fields[] {
  const list = (value: unknown): Fields[] =>
    Array.isArray(value)
      ? value.flatMap((entry: unknown): Fields[] => {
          const fields = fieldsOf(entry);
          return fields ? [fields] : [];
        })
      : [];
  const component = list(template.components).find((candidate) => candidate.type === type);
  return list(component?.parameters);
}

function templateMismatch(template: Fields, known: UtilityTemplateModel): WindowRefusal | undefined {
  const language = fieldsOf(template.language)?.code;
  if (language !== known.language)
    return refusal(100, `(#100) Template ${String(template.name)} does not exist in ${String(language)}`);
  for (const type of ['header', 'body'] as const)
    if (!fills(known[type], componentParameters(template, type)))
      return refusal(100, `(#100) The number of ${type} parameters does not match the template`);
  return undefined;
}

/**
 * A utility template's answer, for a Send API request whose message is a template: it goes to a PSID, and names an
 * approved template of the Page in its language, each placeholder filled (when the model lists templates).
 */
export function utilityRefusal(body: unknown, model: WindowModel | undefined): WindowRefusal | undefined {
  const fields = fieldsOf(body) ?? {};
  const template = fieldsOf(fieldsOf(fields.message)?.template);
  if (!template) return undefined;
  if (typeof fieldsOf(fields.recipient)?.id !== 'string')
    return refusal(100, '(#100) A utility message goes to a page-scoped id (recipient.id)');
  if (typeof template.name !== 'string') return refusal(100, '(#100) The parameter template.name is required');
  if (!model?.utilityTemplates) return undefined;
  const known = model.utilityTemplates.get(template.name);
  if (!known) return refusal(100, `(#100) Template ${template.name} does not exist or is not approved`);
  return templateMismatch(template, known);
}
