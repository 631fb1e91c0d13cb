/**
 * What a partition's owner knows of the head of its ready queue, so a claim can name (in KEYS) the
 * mailboxes of the actors it will pop. Only the owner pops the queue; everyone else appends. So a
 * prefix the owner once saw stays the queue's prefix until the owner's own claim pops it, and
 * knowledge is only ever incomplete, never wrong in what it holds, except for a wake message that
 * overtook a claim's reply, which the claim script's prefix match absorbs (one claim that takes less).
 *
 * Sources: the head each claim returns; the actor a wake message names (appended when the owner
 * knew the whole queue); the actors a commit put back (likewise).
 */
export class ReadyHead {
  private known: string[] = [];
  /** `known` is the whole queue. A new owner knows nothing. */
  private complete = false;
  private claimUnderWay = false;
  /** Actors named by wake messages that arrived while a claim was under way. */
  private late: string[] = [];

  /** The actors to name in a claim of at most n. */
  hints(n: number): string[] {
    return this.known.slice(0, n);
  }

  /** A claim has started and not yet replied. */
  get claiming(): boolean {
    return this.claimUnderWay;
  }

  /** A wake message named `akey` (undefined: an older sender named none). */
  woke(akey: string | undefined): void {
    if (this.claimUnderWay) {
      if (akey !== undefined) this.late.push(akey);
      return;
    }
    if (akey !== undefined && this.complete) this.known.push(akey);
    // other actors may have been appended behind it without a message (one wake per claim)
    this.complete = false;
  }

  claimStarted(): void {
    this.claimUnderWay = true;
    this.late = [];
  }

  /** A claim returned the queue's new head and length. */
  claimed(head: string[], readyLen: number): void {
    this.claimUnderWay = false;
    this.known = head;
    this.complete = head.length === readyLen;
    const late = this.late;
    this.late = [];
    // one that is in the head was appended before the claim ran
    for (const akey of late) if (!head.includes(akey)) this.woke(akey);
  }

  /** A claim failed: what it did is unknown. */
  claimFailed(): void {
    this.claimUnderWay = false;
    this.late = [];
    this.known = [];
    this.complete = false;
  }

  /** A commit put `requeued` back on the queue, which is now `readyLen` long. */
  committed(requeued: readonly string[], readyLen: number): void {
    // a claim under way replies after this commit (one connection, in order), with a fresh head
    if (this.claimUnderWay) return;
    if (this.complete && this.known.length + requeued.length === readyLen) {
      for (const akey of requeued) this.known.push(akey);
    } else {
      this.complete = false;
    }
  }
}
