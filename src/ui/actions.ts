// The Ui of the GitHub Actions: log groups, annotations at the spec's file:line, outputs, job summary.
import * as core from '@actions/core';
import { formatIssue } from '../util/errors.js';
import { Secrets } from './mask.js';
import { shieldWorkflowCommands } from './untrusted.js';
import type { Location, Ui } from './ui.js';

function annotation(at?: Location): core.AnnotationProperties | undefined {
  if (!at || at.file.startsWith('<')) return undefined;
  return { file: at.file, startLine: at.line, startColumn: at.col };
}

/**
 * The runner masks registered secrets in the log, but not in what a step hands on (outputs, the job
 * summary): every message is masked here as well, so that nothing depends on the runner alone.
 */
export class ActionsUi implements Ui {
  private readonly secrets = new Secrets();
  private readonly announced = new Set<string>();
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(this.mask(title), fn);
  }
  info(message: string): void {
    // A message may carry text from outside (process output, job args): shown, never acted on.
    core.info(shieldWorkflowCommands(this.mask(message)));
  }
  warning(message: string, at?: Location): void {
    core.warning(this.mask(message), annotation(at));
  }
  error(message: string, at?: Location): void {
    core.error(this.mask(message), annotation(at));
  }
  issues(issues: Parameters<Ui['issues']>[0]): void {
    for (const issue of issues) {
      core.error(this.mask(formatIssue(issue)), { ...annotation(issue), title: `flinkship: ${issue.field}` });
    }
  }
  setOutput(name: string, value: string): void {
    core.setOutput(name, this.mask(value));
  }
  async summary(markdown: string): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(this.mask(markdown), true).write();
  }
  secret(value: string): void {
    if (!value) return;
    this.secrets.add(value);
    // One ::add-mask:: per value (a kubeconfig's are found both before and after parsing).
    if (this.announced.has(value)) return;
    this.announced.add(value);
    core.setSecret(value);
  }
  mask(text: string): string {
    return this.secrets.mask(text);
  }
}
