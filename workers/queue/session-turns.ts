import { raceDeadline } from '../../core/index.ts';

/**
 * The calls of each session this worker holds right now, by their place in line. A call
 * whose turn has not come may wait here for the calls before it, but only when all of them
 * are here too (so a waiting call never holds a slot its predecessor needs); otherwise it
 * goes back to its queue for a moment.
 */
export class SessionTurns {
  readonly #sessions = new Map<string, Map<number, Promise<void>>>();

  /** Registers a call; `leave` once it is done (ran, or ended without running). */
  enter(sessionKey: string, seq: number): { leave: () => void } {
    let calls = this.#sessions.get(sessionKey);
    if (!calls) {
      calls = new Map();
      this.#sessions.set(sessionKey, calls);
    }
    let leave!: () => void;
    calls.set(
      seq,
      new Promise<void>((resolve) => {
        leave = resolve;
      }),
    );
    return {
      leave: () => {
        leave();
        const current = this.#sessions.get(sessionKey);
        current?.delete(seq);
        if (current?.size === 0) this.#sessions.delete(sessionKey);
      },
    };
  }

  /** True when every call from `turn` up to (not including) `seq` is held here. */
  holdsAllBefore(sessionKey: string, turn: number, seq: number): boolean {
    const calls = this.#sessions.get(sessionKey);
    if (!calls || turn >= seq) return false;
    for (let place = turn; place < seq; place += 1) if (!calls.has(place)) return false;
    return true;
  }

  /** Resolves when the call just before `seq` is done here (or `signal` aborts). */
  async waitForPredecessor(sessionKey: string, seq: number, signal: AbortSignal): Promise<void> {
    const before = this.#sessions.get(sessionKey)?.get(seq - 1);
    if (before) await raceDeadline({ promise: before, signal });
  }
}
