// Reads flinkship.yaml into a plain value while keeping every node's source position, so that any error
// found later (schema, semantics, a missing jar) can point at the exact line and column.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { InputError, type InputIssue } from '../util/errors.js';

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
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(document)';
}

export function parseSpecDocument(text: string, file: string): SpecDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: InputIssue[] = doc.errors.map((err) => {
      const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
      let message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      if (err.code === 'DUPLICATE_KEY') {
        const key = text.slice(err.pos[0]).split(/[:\n]/)[0]!.trim();
        message = `duplicate key "${key}"; each key may appear only once in a mapping`;
      }
      return { file, line: pos.line, col: pos.col, field: '(yaml syntax)', message };
    });
    throw new InputError(issues);
  }

  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };

  /** Walks `path`, returning the deepest node reached and the pair holding the last step, if any. */
  const walk = (path: FieldPath) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let keyNode: Node | undefined;
    let depth = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
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
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
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
