import { ConfigError } from '../errors.ts';

/**
 * Turns the message arguments given on the command line into values: either positional words,
 * each one JSON, or a single `--args` JSON array. Fails with a ConfigError that says how to quote,
 * because a shell eats the double quotes of `"text"` and users hit that first.
 */
export function messageArgs(words: readonly string[], argsOption: string | undefined): unknown[] {
  if (argsOption !== undefined) {
    if (words.length > 0) {
      throw new ConfigError(
        'give the message arguments either as positional JSON values or as --args, not both',
      );
    }
    const value = parseJson(argsOption, (reason) => `--args is not valid JSON (${reason})`);
    if (!Array.isArray(value)) {
      throw new ConfigError(`--args must be a JSON array, e.g. --args '[5, "text"]'; got ${argsOption}`);
    }
    return value;
  }
  return words.map((word, i) =>
    parseJson(
      word,
      (reason) =>
        `argument ${i + 1} (${word}) is not valid JSON (${reason}). Quote a string for the shell as ` +
        `'${JSON.stringify(word)}', or pass all arguments at once: --args '${JSON.stringify([word])}'`,
    ),
  );
}

function parseJson(text: string, explain: (reason: string) => string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(explain((err as Error).message));
  }
}
