// How a verb talks to the person running it: log groups per step, located errors and warnings,
// outputs and a summary. The CLI writes to the terminal; the action writes to the runner.
import type { InputIssue } from '../util/errors.js';

export interface Location {
  file: string;
  line?: number;
  col?: number;
}

export interface Ui {
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  info(message: string): void;
  warning(message: string, at?: Location): void;
  error(message: string, at?: Location): void;
  /** Report each input issue, as an annotation at its file:line:col where the runner supports it. */
  issues(issues: InputIssue[]): void;
  setOutput(name: string, value: string): void;
  /** Markdown for the job summary. */
  summary(markdown: string): Promise<void>;
  /** Never print this value: kubeconfigs, tokens, passwords. */
  secret(value: string): void;
  /** The text with every registered secret hidden: for whatever is written without this Ui. */
  mask(text: string): string;
}
