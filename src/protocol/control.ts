/**
 * Commands for one worker, pushed onto its control list (`troupe:<ns>:ctl:<worker>`), which the
 * worker waits on beside its timer signals. A list rather than pub/sub: a command sent while the
 * worker is reconnecting waits for it instead of being lost. A wire format (clients write these,
 * workers read them), so it lives here where both can reach it without the client loading the runtime.
 */
export type ControlCommand =
  /** Look at the registry now: a worker joined or left. */
  | { kind: 'rebalance' }
  /** Stop gracefully and exit, as on SIGTERM. */
  | { kind: 'shutdown' }
  /** The set of paused actor types changed: read it again. */
  | { kind: 'paused' }
  /** Stop the turn running for `akey`; push the outcome onto `replyTo`. */
  | { kind: 'abort'; akey: string; replyTo: string };

/** What a worker pushes onto `replyTo` after an abort. */
export type AbortOutcome = 'aborted' | 'not-running';

export function encodeControl(cmd: ControlCommand): string {
  return cmd.kind === 'abort' ? `abort ${cmd.akey} ${cmd.replyTo}` : cmd.kind;
}

/** The command in a control message, or undefined for one this version does not know. */
export function decodeControl(text: string): ControlCommand | undefined {
  const [kind, ...rest] = text.split(' ');
  switch (kind) {
    case 'rebalance':
    case 'shutdown':
    case 'paused':
      return rest.length === 0 ? { kind } : undefined;
    case 'abort':
      return rest.length === 2 ? { kind, akey: rest[0]!, replyTo: rest[1]! } : undefined;
    default:
      return undefined;
  }
}
