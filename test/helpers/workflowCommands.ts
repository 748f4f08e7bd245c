// Reads a step's output the way the GitHub runner does (actions/runner ActionCommandManager and
// ActionCommand.TryParseV2/TryParse): lines split at \r or \n; `::name props::data` after leading
// whitespace, or the legacy `##[name props]data` anywhere in a line; nothing but the resume token is
// honoured between `::stop-commands::<token>` and `::<token>::`. Returns the commands it would act on.

const REGISTERED = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'warning',
];

export interface RunnerCommand {
  command: string;
  data: string;
}

function parse(line: string, registered: Set<string>): RunnerCommand | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const info = trimmed.slice(2, end);
      const command = (info.includes(' ') ? info.slice(0, info.indexOf(' ')) : info).toLowerCase();
      if (registered.has(command)) return { command, data: trimmed.slice(end + 2) };
    }
  }
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const rb = line.indexOf(']', prefix);
  if (rb < 0) return undefined;
  const info = line.slice(prefix + 3, rb);
  const command = (info.includes(' ') ? info.slice(0, info.indexOf(' ')) : info).toLowerCase();
  return registered.has(command) ? { command, data: line.slice(rb + 1) } : undefined;
}

/** The commands the runner would act on, stop-commands and their resumption excluded. */
export function honouredCommands(output: string): RunnerCommand[] {
  const registered = new Set([...REGISTERED, 'stop-commands']);
  let stopToken: string | undefined;
  const honoured: RunnerCommand[] = [];
  for (const line of output.split(/\r\n|\r|\n/)) {
    const cmd = parse(line, registered);
    if (!cmd) continue;
    if (stopToken !== undefined) {
      if (cmd.command === stopToken.toLowerCase()) {
        registered.delete(cmd.command);
        stopToken = undefined;
      }
      continue;
    }
    if (cmd.command === 'stop-commands') {
      stopToken = cmd.data;
      registered.add(cmd.data.toLowerCase());
      continue;
    }
    honoured.push(cmd);
  }
  return honoured;
}
