/**
 * One CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break, its quotes doubled. The
 * text itself is kept as it is, so a file read back by a CSV reader gives the same values.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
