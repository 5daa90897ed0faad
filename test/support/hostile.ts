/**
 * Values an audience may hold that break naive encoders and renderers: astral characters (which the SQS emulator
 * refuses), U+FFFE/U+FFFF (which real SQS refuses), control characters, right-to-left marks, quotes, backslashes,
 * template syntax that must stay literal, lone surrogates, and a value over 300 characters.
 */
export const HOSTILE_VALUES: readonly string[] = [
  'Zoë 🚀',
  '😀👩‍👩‍👧𝄞',
  'A\uFFFEB\uFFFF',
  'bell\u0007 tab\t new\nline nul\u0000 del\u007f',
  '\u202Eشكرا\u200F',
  'say "hi" \\ back\\slash',
  '{{first_name}} {{ psid | "x" }} $& $1',
  'lone \uD83D high, lone \uDE00 low',
  `long ${'ü🚀x'.repeat(110)}`,
];
