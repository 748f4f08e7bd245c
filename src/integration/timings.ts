// Step timings: each step's wall time, for the log, the job summary and docs/BENCHMARKS.md.

export interface StepTiming {
  step: string;
  seconds: number;
  ok: boolean;
}

export class StepTimer {
  readonly steps: StepTiming[] = [];
  private readonly started: number;
  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      const result = await fn();
      this.steps.push({ step, seconds: (this.now() - start) / 1000, ok: true });
      return result;
    } catch (err) {
      this.steps.push({ step, seconds: (this.now() - start) / 1000, ok: false });
      throw err;
    }
  }

  totalSeconds(): number {
    return (this.now() - this.started) / 1000;
  }
}

export function renderTimings(steps: StepTiming[], total?: number): string {
  const rows = steps.map((s) => `| ${s.step} | ${s.seconds.toFixed(1)} s | ${s.ok ? 'ok' : 'failed'} |`);
  if (total !== undefined) rows.push(`| **total** | **${total.toFixed(1)} s** | |`);
  return ['| Step | Time | |', '|---|---|---|', ...rows].join('\n');
}
