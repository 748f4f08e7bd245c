// Text Flinkship did not write (the Flink client's output, pod logs and Flink job names in diagnostics,
// the smoke command's output, job args and flinkConfiguration values in a plan or an argv) reaches the
// log of a GitHub Actions step, whose runner acts on workflow commands in it: `::error::…` and
// `::add-mask::…` after leading whitespace, and the legacy `##[name]…` anywhere in a line. Such text is
// shown between `::stop-commands::<token>` and `::<token>::`: the runner acts on nothing in between but
// the resume token, which is random per block, so the text cannot guess it and resume early.
import { randomBytes } from 'node:crypto';

/** Whether the runner could read a workflow command in the text (lines end at \r as well as \n). */
export function couldBeWorkflowCommand(text: string): boolean {
  return /^\s*::|##\[/m.test(text);
}

/**
 * The text as the runner should show it without acting on it: unchanged when it holds nothing the runner
 * could act on, else wrapped in a stop-commands block. A trailing newline stays after the block.
 */
export function shieldWorkflowCommands(text: string): string {
  if (!couldBeWorkflowCommand(text)) return text;
  const token = randomBytes(16).toString('hex');
  const newline = text.endsWith('\n') ? '\n' : '';
  const body = newline ? text.slice(0, -1) : text;
  return `::stop-commands::${token}\n${body}\n::${token}::${newline}`;
}

/**
 * JSON (2-space indented) that the runner cannot read a command in, and that parses to the same value: no
 * line of it starts with `::` (every string is quoted), and `#` is written as \u0023 where `##[` would appear.
 * Machine output stays valid JSON, where a stop-commands block would break it.
 */
export function commandFreeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replaceAll('##[', '\\u0023#[');
}

/** Whether this process's output is read by an Actions runner (an action, or the CLI in a `run:` step). */
export function inActionsRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
