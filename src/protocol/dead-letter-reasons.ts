/**
 * Every `reason` a worker writes to the dead-letter stream. The runtime types its dead letters with
 * this list, so a new reason cannot be written without being added here; the CLI's help prints it,
 * and test/protocol-docs.test.ts checks that README.md and the docs name each one.
 */
export const DEAD_LETTER_REASONS = [
  'oversized',
  'undecodable',
  'unsupported-version',
  'misrouted',
  'unknown-method',
  'invalid-args',
  'unknown-type',
  'context-unreadable',
  'handler-error',
  'expired',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];
