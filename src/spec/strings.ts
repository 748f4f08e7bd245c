// Rules every string of the spec obeys, wherever it goes: no control characters (a line break in a value
// is a new Dockerfile instruction, a new line of flink-conf.yaml, a new Fluent Bit section), and a bounded
// length. Checked over the whole document, keys included, before the schema, so that no field is missed.
import type { FieldPath } from './document.js';
import { MAX_KEY_LENGTH, MAX_STRING_LENGTH } from './limits.js';
import { isPlainObject } from './resolve.js';

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** A pod template is written by a YAML serializer, which quotes these; scripts in it need them. */
// eslint-disable-next-line no-control-regex -- as above, tab and line feed aside
const CONTROL_IN_POD_TEMPLATE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'delete',
  0x85: 'next line',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
};

export const CONTROL_RULE =
  'control characters are not allowed in the spec (they could add lines to the Dockerfile, configuration files and commands flinkship generates); remove it';

/** A string as JSON would quote it, with C1 controls and line separators escaped too, and cut when long. */
export function quote(value: string, max = 80): string {
  const cut = value.length > max ? value.slice(0, max) : value;
  const quoted = JSON.stringify(cut).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cut === value ? quoted : `${quoted.slice(0, -1)}…" (${value.length} characters)`;
}

function controlCharacter(value: string, pattern: RegExp): string | undefined {
  const m = pattern.exec(value);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} (${NAMES[code] ?? 'a control character'})`;
}

export interface StringFinding {
  path: FieldPath;
  /** Whether the key, rather than the value, is at fault. */
  atKey: boolean;
  message: string;
}

function inPodTemplate(path: FieldPath): boolean {
  return path[0] === 'podTemplate' || (path[0] === 'environments' && path[2] === 'podTemplate');
}

/** Every key and string value that breaks a rule, in document order. */
export function stringFindings(root: unknown): StringFinding[] {
  const out: StringFinding[] = [];
  const visit = (value: unknown, path: FieldPath): void => {
    if (typeof value === 'string') {
      const pattern = inPodTemplate(path) ? CONTROL_IN_POD_TEMPLATE : CONTROL;
      const control = value.length <= MAX_STRING_LENGTH ? controlCharacter(value, pattern) : undefined;
      if (value.length > MAX_STRING_LENGTH) {
        out.push({
          path,
          atKey: false,
          message: `found a string of ${value.length} characters; expected at most ${MAX_STRING_LENGTH}`,
        });
      } else if (control) {
        out.push({
          path,
          atKey: false,
          message: `found ${quote(value)}, which contains ${control}; ${CONTROL_RULE}`,
        });
      }
      return;
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : isPlainObject(value)
        ? Object.entries(value)
        : [];
    for (const [key, child] of entries) {
      const childPath = [...path, key];
      if (typeof key === 'string') {
        const control = controlCharacter(key, CONTROL);
        if (key.length > MAX_KEY_LENGTH) {
          out.push({
            path: childPath,
            atKey: true,
            message: `found a key of ${key.length} characters; expected at most ${MAX_KEY_LENGTH}`,
          });
          continue;
        }
        if (control) {
          out.push({
            path: childPath,
            atKey: true,
            message: `found the key ${quote(key)}, which contains ${control}; ${CONTROL_RULE}`,
          });
          continue;
        }
      }
      visit(child, childPath);
    }
  };
  visit(root, []);
  return out;
}
