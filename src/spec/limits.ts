// Bounds on what the validator reads, so that no spec, however large or strange, makes validation slow or
// crash: the file size, how deeply YAML nests, and how long a key or a value may be. Real specs are a few
// kilobytes and a few levels deep; these limits are far above that and far below what costs time.
import { Lexer } from 'yaml';

/** A spec larger than this is refused before it is parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Flow collections ([ ] and { }) nested deeper than this are refused before they are composed. */
export const MAX_FLOW_DEPTH = 64;
/** A line indented further than this (in columns) is refused: block nesting is bounded by indentation. */
export const MAX_INDENT = 256;
/** Compact indicators (`- - - x`) on one line, each one a nesting level without indentation. */
export const MAX_INDICATORS_PER_LINE = 32;
/**
 * YAML tokens (keys, values, indicators, spaces) the spec may have. A real spec has a few thousand at
 * most; parsing costs time per token, and a megabyte of tiny tokens would take many seconds.
 */
export const MAX_LEXEMES = 50_000;
/** The longest string value, and the longest key, the spec may hold. */
export const MAX_STRING_LENGTH = 16 * 1024;
export const MAX_KEY_LENGTH = 256;
/** A run reports this many problems at most (20,000 stray quotes are 10,000 syntax errors). */
export const MAX_REPORTED_ISSUES = 50;

export interface NestingProblem {
  /** Offset in the text of the token that went too deep. */
  offset: number;
  message: string;
}

/**
 * Yields the lexemes of `text`, as the YAML parser consumes them, and stops at the first one that nests
 * too deeply. The YAML library composes nested collections recursively, and a few thousand levels of
 * `[` exhaust its memory: the bound must hold before composing.
 */
export function* boundedLexemes(
  text: string,
  onProblem: (problem: NestingProblem) => void,
): Generator<string, void> {
  let offset = 0;
  let flow = 0;
  let lineStart = true;
  let indicators = 0;
  let count = 0;
  for (const lexeme of new Lexer().lex(text)) {
    let problem: string | undefined;
    if (++count > MAX_LEXEMES) {
      problem = `more than ${MAX_LEXEMES} YAML tokens by here; a flinkship.yaml has a few thousand at most: is this the right file?`;
    } else if (lexeme === '[' || lexeme === '{') {
      if (++flow > MAX_FLOW_DEPTH)
        problem = `[ ] and { } nest more than ${MAX_FLOW_DEPTH} levels deep here; a flinkship.yaml needs only a few: flatten it`;
    } else if (lexeme === ']' || lexeme === '}') flow = Math.max(0, flow - 1);
    else if (flow === 0 && (lexeme === '-' || lexeme === '?' || lexeme === ':')) {
      if (++indicators > MAX_INDICATORS_PER_LINE)
        problem = `more than ${MAX_INDICATORS_PER_LINE} nested "-", "?" or ":" on one line; a flinkship.yaml needs only a few: flatten it`;
    } else if (lineStart && /^ +$/.test(lexeme) && lexeme.length > MAX_INDENT) {
      problem = `indented ${lexeme.length} columns, more than ${MAX_INDENT}; a flinkship.yaml needs only a few levels: flatten it`;
    }
    if (problem) {
      onProblem({ offset, message: problem });
      return;
    }
    const newline = lexeme === '\n' || lexeme === '\r\n';
    if (newline) indicators = 0;
    // The lexer's own markers (document start, scalar, flow end) take no room in the text.
    const marker = lexeme.length === 1 && lexeme.charCodeAt(0) < 0x20 && lexeme !== '\n' && lexeme !== '\t';
    if (!marker) offset += lexeme.length;
    lineStart = newline || (lineStart && marker);
    yield lexeme;
  }
}
