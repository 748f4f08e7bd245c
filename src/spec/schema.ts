// Checks a parsed spec against schema/flinkship.schema.json, the one schema editors use too, and turns
// each schema error into a located message that says what was found and what would be valid.
import type { ErrorObject } from 'ajv';
import type { InputIssue } from '../util/errors.js';
import { didYouMean, oneOf } from '../util/suggest.js';
import { formatPath, type FieldPath, type SpecDocument } from './document.js';
import { placeholderProblem } from './placeholders.js';
import { specValidator } from './schemaValidator.js';
import { quote } from './strings.js';

function toPath(instancePath: string, root: unknown): (string | number)[] {
  if (instancePath === '') return [];
  const path: (string | number)[] = [];
  let cursor: unknown = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(cursor)) {
      path.push(Number(seg));
      cursor = cursor[Number(seg)];
    } else {
      path.push(seg);
      cursor = (cursor as Record<string, unknown> | undefined)?.[seg];
    }
  }
  return path;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  return `${typeof value} ${String(value)}`;
}

function typePhrase(type: string | string[]): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
  };
  const types = Array.isArray(type) ? type : [type];
  return oneOf(types.map((t) => names[t] ?? t));
}

function annotation(err: ErrorObject, keyword: 'x-valid' | 'x-set-by'): string | undefined {
  const value = (err.parentSchema as Record<string, unknown> | undefined)?.[keyword];
  return typeof value === 'string' ? value : undefined;
}
function validPhrase(err: ErrorObject): string | undefined {
  return annotation(err, 'x-valid');
}

export interface SchemaFinding {
  issue: InputIssue;
  /** The node the schema rejected (for a missing key, where it would be). */
  path: FieldPath;
  /** False when only the key's name is wrong: its value may still be checked. */
  rejectsValue: boolean;
}

export function schemaFindings(doc: SpecDocument): SchemaFinding[] {
  const validate = specValidator();
  if (doc.value === null || doc.value === undefined) {
    return [
      {
        path: [],
        rejectsValue: true,
        issue: {
          file: doc.file,
          line: 1,
          col: 1,
          field: '(document)',
          message: 'the file is empty; expected a mapping with name, flinkVersion, image and job',
        },
      },
    ];
  }
  if (validate(doc.value)) return [];
  const issues: SchemaFinding[] = [];
  const seen = new Set<string>();
  const push = (path: FieldPath, atKey: boolean, message: string, rejectsValue = true) => {
    const field = formatPath(path);
    const dedupe = `${field}\u0000${message}`;
    if (seen.has(dedupe)) return;
    seen.add(dedupe);
    const p = atKey ? doc.locateKey(path) : doc.locate(path);
    issues.push({ path, rejectsValue, issue: { file: doc.file, line: p.line, col: p.col, field, message } });
  };

  // A placeholder other than {env} is wrong text in a value of the right type: said as such, and the rules
  // that read the value (HA needs its storageDir) still see it.
  const pushPlaceholder = (path: FieldPath, found: unknown): boolean => {
    const problem = typeof found === 'string' ? placeholderProblem(found) : undefined;
    if (problem) push(path, false, problem, false);
    return problem !== undefined;
  };

  // A value of the wrong type is said once, as such: not also as outside an enum or a pattern.
  const wrongType = new Set(
    (validate.errors ?? []).filter((e) => e.keyword === 'type').map((e) => e.instancePath),
  );
  for (const err of validate.errors ?? []) {
    if (err.keyword !== 'type' && wrongType.has(err.instancePath)) continue;
    const path = toPath(err.instancePath, doc.value);
    const found = err.data;
    if (err.keyword === 'propertyNames') continue; // Restated by the error on the name itself, below.
    // An invalid key name (propertyNames): report it once, at the key.
    if (err.propertyName !== undefined) {
      if (err.keyword === 'propertyNames') continue;
      const keyPath = [...path, err.propertyName];
      const valid = validPhrase(err) ?? `a name matching ${String(err.schema)}`;
      const expected = err.keyword === 'pattern' ? valid : (err.message ?? 'a valid name');
      push(keyPath, true, `invalid name ${quote(err.propertyName)}; expected ${expected}`, false);
      continue;
    }
    switch (err.keyword) {
      case 'additionalProperties': {
        const key = String(err.params.additionalProperty);
        const known = Object.keys(
          ((err.parentSchema as Record<string, unknown>).properties as Record<string, unknown>) ?? {},
        );
        push(
          [...path, key],
          true,
          `unknown key ${quote(key)}${didYouMean(key, known)}; valid keys here: ${known.join(', ')}`,
        );
        break;
      }
      case 'required': {
        const key = String(err.params.missingProperty);
        const propSchema = (
          (err.parentSchema as Record<string, unknown>).properties as Record<string, Record<string, unknown>>
        )?.[key];
        const what = (propSchema?.['x-valid'] as string | undefined) ?? (propSchema?.description as string);
        push(
          [...path, key],
          true,
          `required key ${quote(key)} is missing${what ? `; expected ${what}` : ''}`,
        );
        break;
      }
      case 'type': {
        let message = `found ${describeValue(found)}; expected ${typePhrase(err.params.type as string | string[])}`;
        const source = doc.sourceText(path);
        if (typeof found === 'number' && source !== undefined && source !== String(found)) {
          message = `found ${source}, which YAML reads as the number ${found}; expected ${typePhrase(err.params.type as string)}: quote it, "${source}"`;
        }
        push(path, false, message);
        break;
      }
      case 'enum': {
        const allowed = (err.params.allowedValues as unknown[]).map(String);
        push(
          path,
          false,
          // An enum that says what it is (the Flink versions) is not a list of spellings to guess from.
          validPhrase(err) !== undefined
            ? `found ${describeValue(found)}; valid: ${validPhrase(err)}`
            : `found ${describeValue(found)}${typeof found === 'string' ? didYouMean(found, allowed) : ''}; valid: ${oneOf(allowed)}`,
        );
        break;
      }
      case 'if':
        break; // Restated by the error of its then.
      case 'not': {
        // A Flink key flinkship sets itself: said at the key, with the field to use instead.
        const setBy = annotation(err, 'x-set-by');
        const key = path[path.length - 1];
        if (setBy !== undefined && typeof key === 'string') {
          push(
            path,
            true,
            `"${key}" is set by flinkship from ${setBy}; remove it here and use that field instead`,
          );
          break;
        }
        if (pushPlaceholder(path, found)) break;
        push(
          path,
          false,
          `found ${describeValue(found)}; expected ${validPhrase(err) ?? `a value that ${err.message ?? 'is valid'}`}`,
        );
        break;
      }
      case 'pattern':
        // Where the pattern lets {env} in, another placeholder is the likelier mistake.
        if (String(err.schema).includes('{env') && pushPlaceholder(path, found)) break;
        push(
          path,
          false,
          `found ${describeValue(found)}; expected ${validPhrase(err) ?? `a value matching ${String(err.schema)}`}`,
        );
        break;
      case 'exclusiveMinimum':
        push(
          path,
          false,
          `found ${describeValue(found)}; expected ${validPhrase(err) ?? `a number > ${String(err.params.limit)}`}`,
        );
        break;
      case 'minimum':
      case 'maximum':
      case 'minLength':
      case 'maxLength':
      case 'minItems': {
        const limit = String(err.params.limit);
        const rule: Record<string, string> = {
          minimum: `a number >= ${limit}`,
          maximum: `a number <= ${limit}`,
          minLength: `at least ${limit} character${limit === '1' ? '' : 's'}`,
          maxLength: `at most ${limit} characters`,
          minItems: `at least ${limit} item${limit === '1' ? '' : 's'}`,
        };
        push(path, false, `found ${describeValue(found)}; expected ${rule[err.keyword]}`);
        break;
      }
      case 'uniqueItems':
        push(
          path,
          false,
          `items ${String(err.params.j)} and ${String(err.params.i)} are the same; expected each entry once`,
        );
        break;
      default:
        push(
          path,
          false,
          `found ${describeValue(found)}; expected a value that ${err.message ?? 'is valid'}`,
        );
    }
  }
  return issues;
}
