import { redactThrown } from './redact.js';

/**
 * Wraps an exported Lambda handler so that an error it throws carries no registered secret: the runtime prints a
 * thrown error's name, message and stack itself, past the logger's redaction.
 */
export function withRedactedErrors<Args extends unknown[], Result>(
  handler: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      throw redactThrown(error);
    }
  };
}
