/** Any UTF-16 code unit outside printable ASCII: control characters, DEL, every non-ASCII one, each surrogate half. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;

/** What one code unit outside printable ASCII takes in an asciiJson string: `\uXXXX`. */
export const ESCAPED_UNIT_BYTES = 6;

const escapeUnit = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON whose every character is printable ASCII: what JSON.stringify writes, with each code unit outside U+0020 to
 * U+007E written as a `\uXXXX` escape (an astral character as its surrogate pair, U+FFFE as `\ufffe`). Every SQS
 * implementation accepts such a body: real SQS refuses U+FFFE and U+FFFF, emulators also refuse astral characters,
 * and JSON.parse reads the escapes back to the same value. Outside strings JSON is ASCII already, so escaping code
 * units one by one never touches the structure.
 */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`asciiJson: ${typeof value} has no JSON form`);
  return json.replace(NOT_PRINTABLE_ASCII, escapeUnit);
}
