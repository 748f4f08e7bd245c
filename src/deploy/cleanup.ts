// What a run must undo however it ends: normally, by an error, or cancelled (SIGINT, SIGTERM: a
// cancelled workflow; the runner sends SIGINT, then SIGTERM 7.5s later, then kills). Each step is
// registered when the thing it undoes comes to exist (a kubeconfig file with a token, the client's
// container, the deployer's account, the Lease) and runs exactly once: where the run's own code calls it,
// at the end of the run, or on a signal, whichever comes first.
import type { Ui } from '../ui/ui.js';

/** How long a cancelled run spends undoing, before it exits anyway (the runner kills at 7.5s). */
export const CANCEL_CLEANUP_MS = 6_000;

interface Step {
  what: string;
  undo: () => Promise<void>;
}

export class RunCleanup {
  private readonly steps: Step[] = [];

  constructor(private readonly ui: Ui) {}

  /**
   * Registers `undo`; returns the function that runs it (once) now. A failing step is a warning: the
   * run's own outcome is what matters, and the other steps still run.
   */
  add(what: string, undo: () => Promise<void> | void): () => Promise<void> {
    let done: Promise<void> | undefined;
    const step: Step = {
      what,
      undo: () =>
        (done ??= (async () => {
          const at = this.steps.indexOf(step);
          if (at >= 0) this.steps.splice(at, 1);
          try {
            await undo();
          } catch (err) {
            this.ui.warning(`could not ${what}: ${(err as Error).message}`);
          }
        })()),
    };
    this.steps.push(step);
    return step.undo;
  }

  /** Runs every step not yet run, the latest first (the container before its work directory). */
  async runAll(): Promise<void> {
    for (const step of [...this.steps].reverse()) await step.undo();
  }
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Runs `body` with a RunCleanup that is carried out at its end, and on SIGINT/SIGTERM: then the process
 * exits with 128 + the signal's number once the steps are done (or CANCEL_CLEANUP_MS passed). A second
 * signal while cleaning up is ignored, so that the cleanup is not cut short by the runner's SIGTERM.
 */
export async function withCleanup<T>(ui: Ui, body: (cleanup: RunCleanup) => Promise<T>): Promise<T> {
  const cleanup = new RunCleanup(ui);
  let cancelled = false;
  const onSignal = (signal: keyof typeof SIGNAL_NUMBERS) => {
    if (cancelled) return;
    cancelled = true;
    ui.warning(`${signal}: the run was cancelled; cleaning up before exiting`);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, CANCEL_CLEANUP_MS).unref());
    void Promise.race([cleanup.runAll(), bound]).finally(() => process.exit(128 + SIGNAL_NUMBERS[signal]));
  };
  const handlers = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
  };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  try {
    return await body(cleanup);
  } finally {
    if (!cancelled) {
      await cleanup.runAll();
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    }
  }
}
