import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's size of an item, the figure write units and storage are billed on (before the 100-byte storage overhead),
 * following the rules of the DynamoDB developer guide ("Item sizes and formats"): attribute names count; a string is
 * its UTF-8 bytes; a number about one byte per two significant digits plus one; a map or list 3 bytes plus, per
 * element, 1 byte, the element's name (maps) and its value; a set the sum of its elements. The bench sizes the items
 * the handlers actually wrote with it, so the cost model's write units follow the code.
 */
export function dynamoItemBytes(item: Readonly<Record<string, AttributeValue>> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item ?? {})) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function numberBytes(text: string): number {
  // Leading and trailing zeros are not stored.
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberBytes(entry), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, entry]) => sum + utf8(name) + valueBytes(entry) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + valueBytes(entry) + 1, 0);
  return 0;
}
