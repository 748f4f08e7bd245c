// Loads and validates flinkship.yaml: every problem, schema or semantic, reported together, located.
// In an order that keeps validation fast on any input: size first, then every string, then the types
// (schema), and the semantic checks only on the values whose type is right.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { decodeSpec } from './encoding.js';
import path from 'node:path';
import { InputError, type InputIssue } from '../util/errors.js';
import { firstIssues, formatPath, parseSpecDocument, type FieldPath, type SpecDocument } from './document.js';
import { MAX_SPEC_BYTES } from './limits.js';
import { isPlainObject } from './resolve.js';
import { schemaFindings } from './schema.js';
import { semanticIssues, specWarnings } from './semantics.js';
import { stringFindings } from './strings.js';
import type { LoadedSpec, Spec, SqlScript } from './types.js';
import { checkSqlScript, MAX_SQL_BYTES, sqlDigest } from './sqlScript.js';

function tooLarge(file: string, bytes: number): InputError {
  return new InputError([
    {
      file,
      field: '--config',
      message: `the spec is ${bytes} bytes, more than ${MAX_SPEC_BYTES} (1 MiB); a flinkship.yaml is a few kilobytes: is this the right file?`,
    },
  ]);
}

/**
 * Reads a file the spec names, by its path as written (relative to the spec's directory): the working
 * tree's by default; diff gives the base commit's. Undefined: no such file.
 */
export type SpecFileReader = (relative: string) => Buffer | undefined | { refused: string };

export interface ParseOptions {
  readFile?: SpecFileReader;
}

/** Validates spec text. Throws InputError with every issue, sorted by position. */
export function parseSpec(
  text: string,
  file: string,
  dir = path.dirname(file),
  options: ParseOptions = {},
): LoadedSpec {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw tooLarge(file, bytes);
  const doc = parseSpecDocument(text, file);
  const issues = validateDocument(doc);
  if (issues.length > 0) throw new InputError(issues);
  const sql = readScripts(doc, dir, options.readFile ?? workingTreeReader(dir));
  if (sql.issues.length > 0) throw new InputError(firstIssues(sql.issues));
  return {
    spec: doc.value as Spec,
    file,
    dir,
    locate: (p) => doc.locate(p),
    has: (p) => doc.has(p),
    warnings: [...specWarnings(doc), ...sql.warnings],
    ...(Object.keys(sql.scripts).length > 0 ? { scripts: sql.scripts } : {}),
  };
}

/** The git work tree `dir` is in (the nearest ancestor with a .git), without running git. */
function workTreeOf(dir: string): string | undefined {
  for (let d = path.resolve(dir), i = 0; i < 64; i++) {
    if (existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
  return undefined;
}

/**
 * Files of the spec's repository (else of its directory), by their real paths: a script elsewhere on
 * the machine, or a symlink out of the repository, is refused before it is read.
 */
function workingTreeReader(dir: string): SpecFileReader {
  const root = realpathOr(workTreeOf(dir) ?? dir);
  return (relative) => {
    let file: string;
    try {
      file = realpathSync(path.resolve(dir, relative));
    } catch {
      return undefined;
    }
    if (file !== root && !file.startsWith(root + path.sep)) {
      return {
        refused: `${relative} is ${file}, outside ${root}; the script must be a file of the spec's repository`,
      };
    }
    try {
      const info = statSync(file);
      if (!info.isFile()) return { refused: `${relative} is not a file; expected the job's SQL script` };
      // Refused before it is read: said by readScripts as too large.
      if (info.size > MAX_SQL_BYTES) return Buffer.alloc(MAX_SQL_BYTES + 1);
      return readFileSync(file);
    } catch {
      return undefined;
    }
  };
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Every job.sql of the spec (top level, environments), read once each and checked (sqlScript.ts). */
function readScripts(
  doc: SpecDocument,
  dir: string,
  read: SpecFileReader,
): { scripts: Record<string, SqlScript>; issues: InputIssue[]; warnings: InputIssue[] } {
  const root = doc.value as Spec;
  const scripts: Record<string, SqlScript> = {};
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const at = (p: FieldPath, message: string): InputIssue => {
    const where = doc.locate(p);
    return { file: doc.file, line: where.line, col: where.col, field: formatPath(p), message };
  };
  const paths: FieldPath[] = [['job', 'sql']];
  for (const name of Object.keys(root.environments ?? {})) paths.push(['environments', name, 'job', 'sql']);
  for (const p of paths) {
    if (!doc.has(p)) continue;
    const relative = String((p.length === 2 ? root.job : root.environments![p[1] as string]!.job)?.sql);
    if (scripts[relative]) continue;
    const bytes = read(relative);
    const shown = path.join(path.dirname(doc.file), relative);
    if (bytes !== undefined && !Buffer.isBuffer(bytes)) {
      issues.push(at(p, bytes.refused));
      continue;
    }
    if (bytes === undefined) {
      issues.push(at(p, `no such file: ${shown}; expected the job's SQL script, relative to ${doc.file}`));
      continue;
    }
    if (bytes.length > MAX_SQL_BYTES) {
      issues.push(
        at(
          p,
          `${shown} is more than ${MAX_SQL_BYTES} bytes (1 MiB); a job's SQL script is a few kilobytes: is this the right file?`,
        ),
      );
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      issues.push(at(p, `${shown} is not UTF-8 text; expected a SQL script`));
      continue;
    }
    const check = checkSqlScript(shown, text.replace(/^\uFEFF/, ''), root.flinkVersion);
    issues.push(...check.issues);
    warnings.push(...check.warnings);
    scripts[relative] = { file: shown, digest: sqlDigest(bytes), statements: check.split.statements };
  }
  return { scripts, issues, warnings };
}

export function validateDocument(doc: SpecDocument): InputIssue[] {
  const located = (path: FieldPath, atKey: boolean, message: string): InputIssue => {
    const p = atKey ? doc.locateKey(path) : doc.locate(path);
    return { file: doc.file, line: p.line, col: p.col, field: formatPath(path), message };
  };
  const strings = stringFindings(doc.value);
  const stringFields = new Set(strings.map((f) => formatPath(f.path)));
  const schema = schemaFindings(doc).filter((f) => !stringFields.has(f.issue.field));
  const rejected = [
    ...strings.map((f) => f.path),
    ...schema.filter((f) => f.rejectsValue).map((f) => f.path),
  ];
  const schemaFields = new Set(schema.map((f) => f.issue.field));
  // The semantic checks see only values of the right type and shape: a string where a mapping belongs
  // (flinkConfiguration: "<16 KB>") must not be read as a mapping of one key per character.
  const checked = { ...doc, value: without(doc.value, rejected) };
  const semantic = semanticIssues(checked).filter(
    (i) => !schemaFields.has(i.field) && !stringFields.has(i.field),
  );
  return firstIssues(
    [
      ...strings.map((f) => located(f.path, f.atKey, f.message)),
      ...schema.map((f) => f.issue),
      ...semantic,
    ].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0)),
  );
}

/** A copy of `value` without the nodes at `paths` (the root stays). */
function without(value: unknown, paths: FieldPath[]): unknown {
  const drop = new Set(paths.filter((p) => p.length > 0).map((p) => formatPath(p)));
  if (drop.size === 0) return value;
  const copy = (node: unknown, path: FieldPath): unknown => {
    if (Array.isArray(node)) {
      // Dropped items leave a hole, so that later items keep their index (and their line).
      return node.map((v, i) => (drop.has(formatPath([...path, i])) ? undefined : copy(v, [...path, i])));
    }
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (!drop.has(formatPath([...path, k]))) out[k] = copy(v, [...path, k]);
    }
    return out;
  };
  return copy(value, []);
}

export function loadSpec(file: string): LoadedSpec {
  let bytes: Buffer;
  try {
    // Refused before it is read: a huge file must cost nothing.
    const { size } = statSync(file);
    if (size > MAX_SPEC_BYTES) throw tooLarge(file, size);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
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
  return parseSpec(decodeSpec(bytes, file), file, path.dirname(path.resolve(file)));
}
