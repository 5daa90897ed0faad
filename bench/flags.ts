/**
 * A numeric bench flag, checked once: a mistyped value stops the bench with the flag's name instead of measuring
 * with NaN. `zero` admits 0 (a latency, a warm-up).
 */
export function numberFlag(name: string, text: string | undefined, { integer = false, zero = false } = {}): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 || (value === 0 && !zero) || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a ${zero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}
