// One time budget for a whole run (--timeout): every wait gets what is left of it.
import { OperationError } from '../util/errors.js';

export class Deadline {
  readonly at: number;
  constructor(
    readonly totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.at = now() + totalMs;
  }
  /** The time left; an OperationError naming `what` when none is. */
  remainingMs(what: string): number {
    const left = this.at - this.now();
    if (left <= 0) {
      throw new OperationError(
        `the --timeout of ${Math.round(this.totalMs / 1000)}s was used up before ${what}; give a longer --timeout`,
      );
    }
    return left;
  }
}
