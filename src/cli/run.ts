// The command line: `flinkship <verb> [flags]`. Parses flags at the edge into typed options, runs the
// verb, prints the result on stdout, and returns the exit code (0 ok, 1 operation failed, 2 bad input).
import { parseArgs } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };
import { TerminalUi } from '../ui/terminal.js';
import { commandFreeJson } from '../ui/untrusted.js';
import { exitCodeOf, InputError, formatIssue, type InputIssue } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { VERBS } from '../verbs/index.js';
import type { Verb } from '../verbs/verb.js';
import { defsFor, parseOptions, type OptionDefs } from '../options/options.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const VERSION: string = pkg.version;

function usage(): string {
  const verbs = Object.entries(VERBS)
    .map(([name, v]) => `  ${name.padEnd(10)} ${v.describe}`)
    .join('\n');
  return `flinkship ${VERSION}: take a Flink job from a pull request to production on Kubernetes.

Usage: flinkship <command> [flags]

Commands:
${verbs}

Global flags:
  --config <file>        The spec file (default flinkship.yaml).
  --output text|json     How results are printed (default text).
  --help                 Show help for a command.
  --version              Print the version.

Exit codes: 0 success, 1 operation failed, 2 invalid input.
`;
}

function verbUsage(verb: Verb): string {
  const lines = Object.entries(defsFor(verb.options as OptionDefs, 'flags') as OptionDefs).map(
    ([name, def]) => {
      const value =
        def.kind === 'boolean'
          ? ''
          : def.kind === 'enum'
            ? ` ${def.values.join('|')}`
            : ` <${def.valueName ?? 'value'}>`;
      const flag = def.kind === 'boolean' && def.default ? `--[no-]${name}` : `--${name}${value}`;
      const dflt =
        def.kind === 'boolean'
          ? def.default
            ? ' (default on)'
            : ''
          : def.kind !== 'list' && def.default !== undefined
            ? ` (default ${def.default})`
            : def.kind === 'list'
              ? ' Repeatable.'
              : '';
      return `  ${flag.padEnd(24)} ${def.description}${def.required ? ' Required.' : ''}${dflt}`;
    },
  );
  return `Usage: flinkship ${verb.name} [flags]\n\n${VERBS[verb.name]?.describe ?? ''}\n\nFlags:\n${lines.join('\n')}\n  --help                   Show this help.\n`;
}

export async function runCli(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let [verbName, ...rest] = argv;
  // Two-word verbs (`env up`, `env smoke`, `env down`) are looked up as one name.
  if (verbName !== undefined && rest[0] !== undefined && VERBS[`${verbName} ${rest[0]}`]) {
    verbName = `${verbName} ${rest[0]}`;
    rest = rest.slice(1);
  }
  // `flinkship help <command>` is `flinkship <command> --help`.
  if (verbName === 'help' && rest.length > 0) return runCli([...rest, '--help'], io);
  if (verbName === undefined || verbName === '--help' || verbName === '-h' || verbName === 'help') {
    io.stdout.write(usage());
    return verbName === undefined ? 2 : 0;
  }
  if (verbName === '--version' || verbName === '-v') {
    if (rest.length > 0) {
      io.stderr.write(`error: <flags>: ${rest[0]}: unexpected after ${verbName}; give --version alone\n`);
      return 2;
    }
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = VERBS[verbName];
  const group = Object.keys(VERBS).filter((name) => name.startsWith(`${verbName} `));
  if (!entry && group.length > 0) {
    // `flinkship env` alone, `env --help`, or `env <unknown>`: say which subcommands there are.
    const sub = rest[0];
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(
        `Usage: flinkship ${verbName} <${group.map((g) => g.split(' ')[1]).join('|')}> [flags]\n\n${group
          .map((g) => `  ${g.padEnd(10)} ${VERBS[g]!.describe}`)
          .join('\n')}\n`,
      );
      return 0;
    }
    const found = sub === undefined || sub.startsWith('-') ? 'no subcommand' : `"${verbName} ${sub}"`;
    const hint = sub && !sub.startsWith('-') ? didYouMean(`${verbName} ${sub}`, group) : '';
    io.stderr.write(`error: <flags>: command: found ${found}${hint}; valid: ${group.join(', ')}\n`);
    return 2;
  }
  if (!entry) {
    const known = Object.keys(VERBS);
    io.stderr.write(
      `error: <flags>: command: found "${verbName}"${didYouMean(verbName, known)}; valid: ${known.join(', ')}\n\n${usage()}`,
    );
    return 2;
  }

  const verb = await entry.load();
  const defs = verb.options as OptionDefs;
  const flagDefs = defsFor(defs, 'flags') as OptionDefs;
  // Booleans that default to on are turned off with --no-<name>.
  const negatable = Object.entries(flagDefs)
    .filter(([, def]) => def.kind === 'boolean' && def.default)
    .map(([name]) => name);
  const wantsJson = rest.some(
    (a, i) => a === '--output=json' || (a === '--output' && rest[i + 1] === 'json'),
  );
  const ui = new TerminalUi(io.stderr);
  // Whatever leaves the process is masked (and shielded from the runner), not only what goes through the Ui.
  const out = (text: string) => io.stdout.write(ui.safe(text));
  const err = (text: string) => io.stderr.write(ui.safe(text));
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        strict: true,
        allowPositionals: false,
        tokens: true,
        options: {
          ...Object.fromEntries(
            Object.entries(flagDefs).map(([name, def]) => [
              name,
              def.kind === 'boolean'
                ? ({ type: 'boolean' } as const)
                : ({ type: 'string', multiple: def.kind === 'list' } as const),
            ]),
          ),
          ...Object.fromEntries(negatable.map((name) => [`no-${name}`, { type: 'boolean' } as const])),
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw flagError(err as Error, [...Object.keys(flagDefs), ...negatable.map((name) => `no-${name}`)]);
    }
    if (parsed.values.help) {
      io.stdout.write(verbUsage(verb));
      return 0;
    }
    // A flag that takes one value, given twice, is a mistake to point at (not last-wins); an empty
    // value (--config=) is no value.
    const seen = new Map<string, number>();
    const flagIssues: InputIssue[] = [];
    for (const t of parsed.tokens ?? []) {
      if (t.kind !== 'option') continue;
      const def = flagDefs[t.name];
      if (def && def.kind !== 'list') seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
      if (def && def.kind !== 'boolean' && t.value === '') {
        flagIssues.push({
          file: '<flags>',
          field: `--${t.name}`,
          message: `is empty; expected ${'valueName' in def && def.valueName ? `a ${def.valueName}` : 'a value'}`,
        });
      }
    }
    for (const [name, n] of seen) {
      if (n > 1) {
        flagIssues.push({ file: '<flags>', field: `--${name}`, message: `given ${n} times; give it once` });
      }
    }
    if (flagIssues.length) throw new InputError(flagIssues);
    if (parsed.values.version) {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const values = { ...parsed.values } as Record<string, string | string[] | boolean | undefined>;
    for (const name of negatable) {
      if (values[`no-${name}`] === undefined) continue;
      if (values[name] !== undefined) {
        throw new InputError([
          { file: '<flags>', field: `--no-${name}`, message: `contradicts --${name}; give one of them` },
        ]);
      }
      values[name] = !values[`no-${name}`];
      delete values[`no-${name}`];
    }
    const options = parseOptions(defs, values, 'flags');
    const result = await verb.run(options, ui);
    out(options.output === 'json' ? commandFreeJson(verb.json(result)) + '\n' : verb.text(result));
    return 0;
  } catch (failure) {
    const code = exitCodeOf(failure);
    if (failure instanceof InputError) ui.issues(failure.issues);
    else ui.error(failure instanceof Error ? failure.message : String(failure));
    if (code === 1 && failure instanceof Error && failure.name !== 'OperationError' && failure.stack) {
      err(`(unexpected error; please report it)\n${failure.stack}\n`);
    }
    if (wantsJson) {
      const error =
        failure instanceof InputError
          ? { exitCode: code, issues: failure.issues, messages: failure.issues.map(formatIssue) }
          : { exitCode: code, message: failure instanceof Error ? failure.message : String(failure) };
      out(commandFreeJson({ error }) + '\n');
    }
    return code;
  }
}

/** parseArgs' own errors, restated in our form: the flag, what was wrong, what would be valid. */
function flagError(err: Error, known: string[]): InputError {
  const flag = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? '(flags)';
  const code = (err as NodeJS.ErrnoException).code;
  const valid = [...known, 'help', 'version'].map((k) => `--${k}`);
  let message = err.message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    message = `unknown flag${didYouMean(flag, valid)}; valid: ${valid.join(', ')}`;
  } else if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']+)'/.exec(err.message)?.[1] ?? '';
    return new InputError([
      {
        file: '<flags>',
        field: arg,
        message: `unexpected argument; flags take the form --name value (valid: ${valid.join(', ')})`,
      },
    ]);
  } else if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    message = `expects a value`;
  }
  return new InputError([{ file: '<flags>', field: flag, message }]);
}
