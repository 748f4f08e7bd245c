// The three ways a run ends, and the exit code each maps to (0 success, 1 operation failed, 2 invalid input).

/** One problem in the user's input, located precisely enough to act on without a stack trace. */
export interface InputIssue {
  /** File the problem is in (the spec, or `<flags>`/`<inputs>` for command-line flags and action inputs). */
  file: string;
  line?: number;
  col?: number;
  /** Field path such as `job.upgradeMode` or `environments.staging.namespace`, or a flag such as `--output`. */
  field: string;
  /** What is wrong: says what was found and what would be valid. */
  message: string;
}

/** Invalid input: nothing was touched. Exit code 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(readonly issues: InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InputError';
  }
}

/** An operation that was valid but failed against a real system. Exit code 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationError';
  }
}

export function formatIssue(issue: InputIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.col ?? 1}` : issue.file;
  return `${where}: ${issue.field}: ${issue.message}`;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof OperationError) return err.exitCode;
  return 1;
}
