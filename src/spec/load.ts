// Loads and validates flinkship.yaml: every problem, schema or semantic, reported together, located.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, type InputIssue } from '../util/errors.js';
import { parseSpecDocument, type SpecDocument } from './document.js';
import { schemaIssues } from './schema.js';
import { semanticIssues } from './semantics.js';
import type { LoadedSpec, Spec } from './types.js';

/** Validates spec text. Throws InputError with every issue, sorted by position. */
export function parseSpec(text: string, file: string, dir = path.dirname(file)): LoadedSpec {
  const doc = parseSpecDocument(text, file);
  const issues = validateDocument(doc);
  if (issues.length > 0) throw new InputError(issues);
  return { spec: doc.value as Spec, file, dir, locate: (p) => doc.locate(p) };
}

export function validateDocument(doc: SpecDocument): InputIssue[] {
  const schema = schemaIssues(doc);
  const schemaFields = new Set(schema.map((i) => i.field));
  // A semantic finding on a field the schema already rejected adds nothing.
  const semantic = semanticIssues(doc).filter((i) => !schemaFields.has(i.field));
  return [...schema, ...semantic].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0),
  );
}

export function loadSpec(file: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(err);
    throw new InputError([
      {
        file: file,
        field: '--config',
        message: `cannot read the spec (${reason}); expected a path to flinkship.yaml (pass --config <file>)`,
      },
    ]);
  }
  return parseSpec(text, file, path.dirname(path.resolve(file)));
}
