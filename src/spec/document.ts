// Reads flinkship.yaml into a plain value while keeping every node's source position, so that any error
// found later (schema, semantics, a missing jar) can point at the exact line and column.
import {
  Composer,
  LineCounter,
  Parser,
  isAlias,
  isCollection,
  isMap,
  visit,
  isPair,
  isScalar,
  isSeq,
  type Document,
  YAMLParseError,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { InputError, type InputIssue } from '../util/errors.js';
import { MAX_REPORTED_ISSUES, boundedLexemes, type NestingProblem } from './limits.js';
import { quote } from './strings.js';

export type FieldPath = readonly (string | number)[];
export interface Position {
  line: number;
  col: number;
}

export interface SpecDocument {
  file: string;
  value: unknown;
  /** Where the value at `path` starts; for a missing path, the deepest ancestor that exists. */
  locate(path: FieldPath): Position;
  /** Where the key of the entry at `path` starts (the value's position for sequence items and the root). */
  locateKey(path: FieldPath): Position;
  /** Whether the document has a node at `path`. */
  has(path: FieldPath): boolean;
  /** The exact source text of the scalar at `path`, as the user wrote it. */
  sourceText(path: FieldPath): string | undefined;
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.length <= 80 && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${quote(seg)}]`;
  }
  return out || '(document)';
}

/**
 * Parses like the YAML library's parseDocument, but stops at nesting that would exhaust the composer (see
 * limits.ts) and finds duplicate keys in linear time (the library's own check is quadratic in the number
 * of keys of a mapping).
 */
function parseYaml(
  text: string,
  lineCounter: LineCounter,
): { doc: Document.Parsed; nesting?: NestingProblem } {
  let nesting: NestingProblem | undefined;
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  function* tokens() {
    for (const lexeme of boundedLexemes(text, (p) => (nesting = p))) yield* parser.next(lexeme);
    yield* parser.end();
  }
  const composer = new Composer({ uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  // The library makes an Error per syntax error, and a stray quote repeated is thousands of them; their
  // stack traces, never shown, were nine tenths of the time. Synchronous, so restored before anyone else runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const next of composer.compose(tokens(), true, text.length)) {
      if (doc) {
        doc.errors.push(
          new YAMLParseError(
            next.range.slice(0, 2) as [number, number],
            'MULTIPLE_DOCS',
            'Source contains multiple documents; a flinkship.yaml holds one',
          ),
        );
        break;
      }
      doc = next;
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return { doc: doc!, ...(nesting ? { nesting } : {}) };
}

/**
 * Keys a plain object cannot hold faithfully: one written twice in a mapping (at its second occurrence),
 * and a mapping, list or alias used as a key (the library would stringify it, with a process warning).
 */
function keyProblems(doc: Document.Parsed): { offset: number; message: string }[] {
  const out: { offset: number; message: string }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    const seen = new Set<string>();
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push(item);
        continue;
      }
      const keyNode = item.key as Node | null;
      if (isScalar(keyNode)) {
        const key = String(keyNode.value);
        if (key === '<<' && keyNode.type === 'PLAIN' && keyNode.range) {
          out.push({
            offset: keyNode.range[0],
            message:
              'found a YAML merge key (<<), which flinkship.yaml does not support (YAML 1.2 has none); write the keys out, or put shared values at the top level, which every environment merges over',
          });
          continue;
        }
        if (seen.has(key) && keyNode.range) {
          out.push({
            offset: keyNode.range[0],
            message: `duplicate key ${quote(key)}; each key may appear only once in a mapping`,
          });
        }
        seen.add(key);
      } else if (keyNode?.range) {
        const what = isMap(keyNode) ? 'a mapping' : isSeq(keyNode) ? 'a list' : 'an alias';
        out.push({ offset: keyNode.range[0], message: `found ${what} as a key; expected a name` });
        continue;
      }
      stack.push(item.value);
    }
  }
  return out;
}

/** At most `max` issues, and a last one saying how many more there are. */
export function firstIssues<T extends { file: string }>(
  issues: T[],
  max = MAX_REPORTED_ISSUES,
): (T | InputIssue)[] {
  if (issues.length <= max) return issues;
  const more = issues.length - max;
  return [
    ...issues.slice(0, max),
    {
      file: issues[0]!.file,
      field: '(document)',
      message: `${more} more problem${more > 1 ? 's' : ''} not shown; fix these first`,
    },
  ];
}

export function parseSpecDocument(text: string, file: string): SpecDocument {
  const lineCounter = new LineCounter();
  const { doc, nesting } = parseYaml(text, lineCounter);
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col, field: '(yaml syntax)' };
  };
  if (nesting) throw new InputError([{ ...at(nesting.offset), message: nesting.message }]);
  const issues = [
    ...doc.errors.map((err) => ({
      ...at(err.pos[0]),
      message: err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    })),
    ...keyProblems(doc).map(({ offset, message }) => ({ ...at(offset), message })),
  ];
  if (issues.length > 0) {
    throw new InputError(firstIssues(issues.sort((a, b) => a.line - b.line || a.col - b.col)));
  }

  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };

  /** Walks `path`, returning the deepest node reached and the pair holding the last step, if any. */
  // Each mapping's pairs by key, built on first use: locating every issue of a mapping with many keys
  // must not search the mapping once per issue.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };
  const walk = (path: FieldPath) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let keyNode: Node | undefined;
    let depth = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(seg));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        keyNode = undefined;
        node = node.items[seg] as Node;
      } else {
        break;
      }
      depth++;
      if (node === null) break;
    }
    return { node, keyNode, complete: depth === path.length };
  };

  const fallback: Position = { line: 1, col: 1 };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias without its anchor, or the library's guard against alias expansion bombs ("billion
    // laughs"): at the alias it names, else the first alias.
    const message = (err as Error).message.replace(/\.$/, '');
    const named = /: (\S+)$/.exec(message)?.[1];
    let offset: number | undefined;
    visit(doc, {
      Alias(_, node) {
        if (!isAlias(node) || !node.range) return undefined;
        if (named === undefined || node.source === named) {
          offset = node.range[0];
          return visit.BREAK;
        }
        offset ??= node.range[0];
        return undefined;
      },
    });
    throw new InputError([
      { ...at(offset ?? 0), message: `${message}; write the values out instead of repeating aliases` },
    ]);
  }
  return {
    file,
    value,
    locate(path) {
      const { node, keyNode } = walk(path);
      if (node?.range) return pos(node.range[0]);
      if (keyNode?.range) return pos(keyNode.range[0]);
      return fallback;
    },
    locateKey(path) {
      const { node, keyNode, complete } = walk(path);
      if (complete && keyNode?.range) return pos(keyNode.range[0]);
      if (node?.range) return pos(node.range[0]);
      return fallback;
    },
    has(path) {
      return walk(path).complete;
    },
    sourceText(path) {
      const { node, complete } = walk(path);
      if (!complete || !isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
  };
}
