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

/** Milliseconds from a duration such as 90s, 5m, 1h30m or 500ms; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text.trim())) return undefined;
  let total = 0;
  for (const m of text.trim().matchAll(re)) total += Number(m[1]) * units[m[2]!]!;
  return total > 0 ? total : undefined;
}
