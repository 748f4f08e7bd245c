// One time budget for a whole run (--timeout): every wait gets what is left of it. The clock is
// injectable, so a wait's decisions (is there time left? until when do I wait?) are tested without
// waiting out real time.
import { OperationError } from './errors.js';

/** What a wait needs of time: the current time (epoch ms), and a way to let time pass. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface DeadlineOptions {
  clock?: Clock;
  /** When the budget started (epoch ms), if before now: a run's --timeout counts from its start. */
  start?: number;
  /** The error when the budget is used up before `what`; the default names the seconds given. */
  expired?: (what: string) => string;
}

export class Deadline {
  /** Epoch ms at which the budget is used up. */
  readonly at: number;
  readonly clock: Clock;
  private readonly expired: (what: string) => string;

  constructor(
    readonly totalMs: number,
    options: DeadlineOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.expired =
      options.expired ??
      ((what) =>
        `the --timeout of ${Math.round(totalMs / 1000)}s was used up before ${what}; give a longer --timeout`);
    this.at = (options.start ?? this.clock.now()) + totalMs;
  }

  now(): number {
    return this.clock.now();
  }

  /** The time left, zero or negative once the budget is used up. */
  leftMs(): number {
    return this.at - this.clock.now();
  }

  passed(): boolean {
    return this.leftMs() <= 0;
  }

  /** The time left; an OperationError naming `what` when none is. */
  remainingMs(what: string): number {
    const left = this.leftMs();
    if (left <= 0) throw new OperationError(this.expired(what));
    return left;
  }
}
