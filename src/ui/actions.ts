// The Ui of the GitHub Actions: log groups, annotations at the spec's file:line, outputs, job summary.
import * as core from '@actions/core';
import { formatIssue } from '../util/errors.js';
import type { Location, Ui } from './ui.js';

function annotation(at?: Location): core.AnnotationProperties | undefined {
  if (!at || at.file.startsWith('<')) return undefined;
  return { file: at.file, startLine: at.line, startColumn: at.col };
}

export class ActionsUi implements Ui {
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(title, fn);
  }
  info(message: string): void {
    core.info(message);
  }
  warning(message: string, at?: Location): void {
    core.warning(message, annotation(at));
  }
  error(message: string, at?: Location): void {
    core.error(message, annotation(at));
  }
  issues(issues: Parameters<Ui['issues']>[0]): void {
    for (const issue of issues) {
      core.error(formatIssue(issue), { ...annotation(issue), title: `flinkship: ${issue.field}` });
    }
  }
  setOutput(name: string, value: string): void {
    core.setOutput(name, value);
  }
  async summary(markdown: string): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  }
  secret(value: string): void {
    if (value) core.setSecret(value);
  }
}
