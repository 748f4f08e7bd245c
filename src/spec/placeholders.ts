// `{env}` is the one placeholder of the spec's strings (an environment's url has its own three). The schema
// refuses any other `{name}` with this same pattern (test/unit/schema-rules.test.ts holds them equal);
// `${x}`, `%{x}` and `#{x}` belong to shells and log formats and are left alone.

/** The source of the pattern, as the schema writes it. */
export const UNKNOWN_PLACEHOLDER_PATTERN = '(?<![$%#])\\{(?!env\\})[A-Za-z][A-Za-z0-9_-]*\\}';
const UNKNOWN_PLACEHOLDER = new RegExp(UNKNOWN_PLACEHOLDER_PATTERN);

/** What is wrong with the first placeholder of `value` other than {env}, if it has one. */
export function placeholderProblem(value: string): string | undefined {
  const found = UNKNOWN_PLACEHOLDER.exec(value)?.[0];
  if (found === undefined) return undefined;
  const hint = found.slice(1).toLowerCase().startsWith('env') ? ' (did you mean {env}?)' : '';
  return `found the placeholder ${found}${hint}; the only placeholder here is {env}, the environment's name`;
}
