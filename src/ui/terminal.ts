// The Ui of the CLI: progress and diagnostics on stderr, so that stdout carries only the result.
import { formatIssue } from '../util/errors.js';
import { Secrets } from './mask.js';
import { inActionsRunner, shieldWorkflowCommands } from './untrusted.js';
import type { Location, Ui } from './ui.js';

function where(at?: Location): string {
  if (!at) return '';
  return at.line !== undefined ? `${at.file}:${at.line}:${at.col ?? 1}: ` : `${at.file}: `;
}

export class TerminalUi implements Ui {
  private readonly secrets = new Secrets();
  constructor(
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    private readonly quiet = false,
    /** In a workflow's `run:` step the runner reads this output too: text from outside must not command it. */
    private readonly shield = inActionsRunner(),
  ) {}

  private write(line: string): void {
    this.stderr.write(this.safe(line + '\n'));
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (!this.quiet) this.write(`── ${title}`);
    return fn();
  }
  info(message: string): void {
    if (!this.quiet) this.write(message);
  }
  warning(message: string, at?: Location): void {
    this.write(`${where(at)}warning: ${message}`);
  }
  error(message: string, at?: Location): void {
    this.write(`${where(at)}error: ${message}`);
  }
  issues(issues: Parameters<Ui['issues']>[0]): void {
    for (const issue of issues) this.write(`error: ${formatIssue(issue)}`);
  }
  setOutput(): void {}
  async summary(): Promise<void> {}
  secret(value: string): void {
    this.secrets.add(value);
  }
  mask(text: string): string {
    return this.secrets.mask(text);
  }
  /** What may be written: secrets masked, and in a runner's step no workflow command from outside. */
  safe(text: string): string {
    const masked = this.mask(text);
    return this.shield ? shieldWorkflowCommands(masked) : masked;
  }
}
