/** The logging surface Troupe uses; a pino logger fits it as is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger that adds `bindings` to every line (pino's `child`); optional. */
  child?(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** `logger` with `bindings` in every line: its own `child` when it has one. */
export function bindLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  if (typeof logger.child === 'function') return logger.child(bindings);
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void =>
      logger[level]({ ...bindings, ...obj }, msg);
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => bindLogger(logger, { ...bindings, ...more }),
  };
}
