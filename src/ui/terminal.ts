// The Ui of the CLI: progress and diagnostics on stderr, so that stdout carries only the result.
import { formatIssue } from '../util/errors.js';
import type { Location, Ui } from './ui.js';

function where(at?: Location): string {
  if (!at) return '';
  return at.line !== undefined ? `${at.file}:${at.line}:${at.col ?? 1}: ` : `${at.file}: `;
}

export class TerminalUi implements Ui {
  private readonly secrets: string[] = [];
  constructor(
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    private readonly quiet = false,
  ) {}

  private write(line: string): void {
    let text = line;
    for (const s of this.secrets) text = text.split(s).join('***');
    this.stderr.write(text + '\n');
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
    if (value) this.secrets.push(value);
  }
}
