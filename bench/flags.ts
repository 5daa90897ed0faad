import { numberOption } from '../tools/cli/io.js';

/**
 * A numeric bench flag, checked once by the CLI's parser: a mistyped value stops the bench with the flag's name
 * instead of measuring with NaN. Every bench flag has a default, so a missing value is a mistake too. `zero` admits 0
 * (a latency, a warm-up).
 */
export function numberFlag(name: string, text: string | undefined, { integer = false, zero = false } = {}): number {
  return numberOption(`--${name}`, text ?? '', { min: 0, above: !zero, integer });
}
