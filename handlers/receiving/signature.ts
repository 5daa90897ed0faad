import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta signs every webhook POST with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`
 * (https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads). The HMAC is over the bytes as
 * received, never over re-serialised JSON, which would change escapes and key order.
 */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const PREFIX = 'sha256=';

export function signBody(body: Uint8Array | string, appSecret: string): string {
  return `${PREFIX}${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` under `appSecret`, compared in constant time. */
export function verifySignature(body: Uint8Array, header: string | undefined, appSecret: string): boolean {
  if (!header?.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  // A digest of another length or alphabet is wrong whatever its bytes; timingSafeEqual needs equal lengths.
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const expected = createHmac('sha256', appSecret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}
