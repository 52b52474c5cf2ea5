/**
 * Answers in request order, for protocols that need it (Kafka clients match answers to requests
 * by position). Each request that will be answered reserves a slot when it is read; a slot is
 * filled when its answer is encoded (or with nothing, when there is none to give); filled slots
 * leave from the head only, so an answer waits for every earlier one. At most the in-flight
 * limit of slots exist at a time. Unordered protocols (the WebSocket one) skip this entirely.
 */
import type { OutgoingFrame } from './transport.js';

export interface ResponseSlot {
  filled: boolean;
  frame: OutgoingFrame | null;
}

export class ResponseOrder {
  private readonly slots: ResponseSlot[] = [];
  private emptyWaiter: (() => void) | null = null;

  constructor(private readonly send: (frame: OutgoingFrame) => void) {}

  get pending(): number {
    return this.slots.length;
  }

  reserve(): ResponseSlot {
    const slot: ResponseSlot = { filled: false, frame: null };
    this.slots.push(slot);
    return slot;
  }

  /** Fills `slot` (null: the request is answered with nothing) and sends what is now at the head. */
  fill(slot: ResponseSlot, frame: OutgoingFrame | null): void {
    slot.filled = true;
    slot.frame = frame;
    while (this.slots.length > 0 && this.slots[0]!.filled) {
      const head = this.slots.shift()!;
      if (head.frame) this.send(head.frame);
    }
    if (this.slots.length === 0 && this.emptyWaiter) {
      const wake = this.emptyWaiter;
      this.emptyWaiter = null;
      wake();
    }
  }

  /** Runs `wake` once every reserved slot has left (replacing an earlier waiter; never run after discard()). */
  whenEmpty(wake: () => void): void {
    if (this.slots.length === 0) wake();
    else this.emptyWaiter = wake;
  }

  /** The connection is gone: frames still waiting are dropped (their buffers told they were never sent). */
  discard(): void {
    this.emptyWaiter = null;
    for (const slot of this.slots.splice(0)) slot.frame?.sent?.(false);
  }
}
