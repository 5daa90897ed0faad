import { SAMPLE_HOSTILE_NAMES } from '../../tools/local/sample.js';

/**
 * Values that break naive encoders and renderers: the sample audience's hostile names (astral characters, U+FFFE and
 * U+FFFF, control characters, right-to-left marks, quotes, backslashes, template syntax, a value over 300 characters)
 * and what only reaches a task from outside PostgreSQL text: NUL and lone surrogates.
 */
export const HOSTILE_VALUES: readonly string[] = [
  ...SAMPLE_HOSTILE_NAMES,
  'nul\u0000 inside',
  'lone \uD83D high, lone \uDE00 low',
];

/** The hostile values PostgreSQL text can hold. */
export const HOSTILE_NAMES = SAMPLE_HOSTILE_NAMES;
