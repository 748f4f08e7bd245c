// One definition of each verb's options, and one parser that turns raw values, from command-line flags
// or from action inputs, into the same typed options. Below this file nothing sees a raw string.
import { InputError, type InputIssue } from '../util/errors.js';
import { didYouMean, oneOf } from '../util/suggest.js';

interface BaseDef {
  description: string;
  required?: boolean;
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
export type OptionDef = StringDef | EnumDef | BooleanDef;
export type OptionDefs = Record<string, OptionDef>;

type ValueOf<D extends OptionDef> =
  D extends EnumDef<infer V>
    ? V
    : D extends BooleanDef
      ? boolean
      : D extends { required: true }
        ? string
        : D extends { default: string }
          ? string
          : string | undefined;
export type OptionsOf<Defs extends OptionDefs> = { [K in keyof Defs]: ValueOf<Defs[K]> };

/** Raw values as they arrive: flags from parseArgs, inputs from the runner (empty string = not given). */
export type RawValues = Record<string, string | boolean | undefined>;
export type Origin = 'flags' | 'inputs';

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
    if (value === '') value = undefined;
    if (value === undefined) {
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
    switch (def.kind) {
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
        else if (/^(true|yes|1)$/i.test(value)) out[name] = true;
        else if (/^(false|no|0)$/i.test(value)) out[name] = false;
        else issues.push({ file, field: label, message: `found "${value}"; valid: true or false` });
        break;
    }
  }
  if (issues.length > 0) throw new InputError(issues);
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
