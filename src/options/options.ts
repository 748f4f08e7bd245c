// One definition of each verb's options, and one parser that turns raw values, from command-line flags
// or from action inputs, into the same typed options. Below this file nothing sees a raw string.
import { InputError, type InputIssue } from '../util/errors.js';
import { didYouMean, oneOf } from '../util/suggest.js';

interface BaseDef {
  description: string;
  required?: boolean;
  /** Taken only as a command-line flag, or only as an action input (a password never goes on a command line). */
  only?: Origin;
}
export interface StringDef extends BaseDef {
  kind: 'string';
  default?: string;
  valueName?: string;
}
export interface EnumDef<V extends string = string> extends BaseDef {
  kind: 'enum';
  values: readonly V[];
  default: V;
}
export interface BooleanDef extends BaseDef {
  kind: 'boolean';
  default: boolean;
}
/** Repeatable: `--tag a --tag b` on the command line; one input with a newline- or comma-separated list. */
export interface ListDef extends BaseDef {
  kind: 'list';
  valueName?: string;
}
export type OptionDef = StringDef | EnumDef | BooleanDef | ListDef;
export type OptionDefs = Record<string, OptionDef>;

type ValueOf<D extends OptionDef> =
  D extends EnumDef<infer V>
    ? V
    : D extends BooleanDef
      ? boolean
      : D extends ListDef
        ? string[]
        : D extends { required: true }
          ? string
          : D extends { default: string }
            ? string
            : string | undefined;
export type OptionsOf<Defs extends OptionDefs> = { [K in keyof Defs]: ValueOf<Defs[K]> };

/** Raw values as they arrive: flags from parseArgs, inputs from the runner (empty string = not given). */
export type RawValues = Record<string, string | string[] | boolean | undefined>;
export type Origin = 'flags' | 'inputs';

const ORIGIN = Symbol('origin');

/** Which entry point parsed these options, for messages that name a flag or an input. */
export function originOf(options: object): Origin {
  return (options as { [ORIGIN]?: Origin })[ORIGIN] ?? 'flags';
}

/** The definitions that one entry point takes (see BaseDef.only). */
export function defsFor<Defs extends OptionDefs>(defs: Defs, origin: Origin): Partial<Defs> {
  return Object.fromEntries(
    Object.entries(defs).filter(([, def]) => def.only === undefined || def.only === origin),
  ) as Partial<Defs>;
}

export function optionLabel(name: string, origin: Origin): string {
  return origin === 'flags' ? `--${name}` : name;
}

export function parseOptions<Defs extends OptionDefs>(
  defs: Defs,
  raw: RawValues,
  origin: Origin,
): OptionsOf<Defs> {
  const issues: InputIssue[] = [];
  const out: Record<string, unknown> = {};
  const file = origin === 'flags' ? '<flags>' : '<inputs>';
  for (const [name, def] of Object.entries(defs)) {
    const label = optionLabel(name, origin);
    let value = raw[name];
    if (value === '' || (def.only !== undefined && def.only !== origin)) value = undefined;
    if (value === undefined) {
      if (def.kind === 'list') {
        out[name] = [];
        continue;
      }
      if (def.required) {
        const what = def.description.replace(/\.$/, '');
        issues.push({
          file,
          field: label,
          message: `required but not given: ${what[0]!.toLowerCase()}${what.slice(1)}`,
        });
      }
      out[name] = def.default;
      continue;
    }
    if (Array.isArray(value) && def.kind !== 'list') {
      issues.push({ file, field: label, message: `given ${value.length} times; give it once` });
      continue;
    }
    switch (def.kind) {
      case 'list':
        out[name] = (Array.isArray(value) ? value : [String(value)])
          .flatMap((v) => (origin === 'inputs' ? v.split(/[\n,]/) : [v]))
          .map((v) => v.trim())
          .filter((v) => v !== '');
        break;
      case 'string':
        if (typeof value !== 'string') {
          issues.push({ file, field: label, message: `expects a value (${def.valueName ?? 'string'})` });
        } else out[name] = value;
        break;
      case 'enum': {
        const v = String(value);
        if (!def.values.includes(v)) {
          issues.push({
            file,
            field: label,
            message: `found "${v}"${didYouMean(v, def.values)}; valid: ${oneOf(def.values)}`,
          });
        } else out[name] = v;
        break;
      }
      case 'boolean':
        if (typeof value === 'boolean') out[name] = value;
        else if (/^(true|yes|1)$/i.test(String(value))) out[name] = true;
        else if (/^(false|no|0)$/i.test(String(value))) out[name] = false;
        else issues.push({ file, field: label, message: `found "${value}"; valid: true or false` });
        break;
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  Object.defineProperty(out, ORIGIN, { value: origin, enumerable: false });
  return out as OptionsOf<Defs>;
}

/** Options every verb takes. */
export const COMMON_OPTIONS = {
  config: {
    kind: 'string',
    description: 'The spec file.',
    default: 'flinkship.yaml',
    valueName: 'file',
  },
  output: {
    kind: 'enum',
    values: ['text', 'json'] as const,
    default: 'text',
    description: 'How results are printed: text for people, json for machines.',
  },
} satisfies OptionDefs;
