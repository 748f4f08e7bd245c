// A SQL job's script, read as Flink's SQL parser reads it lexically: statements end at `;` outside
// string literals ('it''s'), quoted identifiers (`a;b`, "a;b") and comments (--, //, /* */), and an
// `EXECUTE STATEMENT SET BEGIN … END;` block is one statement. This is what validate, plan and diff
// know of a script without Java; the SQL runner (sql-runner/) parses each statement with Flink's own
// parser. Positions are 1-based lines and columns of the script file.

export type SqlKind =
  | 'SET'
  | 'RESET'
  | 'INSERT'
  | 'STATEMENT_SET'
  | 'CREATE'
  | 'CREATE_AS'
  | 'ALTER'
  | 'DROP'
  | 'USE'
  | 'MODULE'
  | 'ADD_JAR'
  | 'QUERY'
  | 'OTHER';

export interface SqlPosition {
  line: number;
  col: number;
}

export interface SqlStatement {
  kind: SqlKind;
  /** The statement as written, without its closing `;`, trimmed of surrounding whitespace and comments. */
  text: string;
  /**
   * One line: the statement's tokens as written (literals and quoted identifiers exactly), comments
   * dropped and the space between tokens folded to one. What plan shows and diff compares.
   */
  normalized: string;
  start: SqlPosition;
  end: SqlPosition;
  /** SET and RESET: the key (unquoted), where its literal starts, and (SET) the value. */
  key?: string;
  keyAt?: SqlPosition;
  value?: string;
  valueAt?: SqlPosition;
  /** INSERT and STATEMENT_SET: how many INSERTs it holds. */
  inserts?: number;
  /** A problem with the statement's own shape (an unquoted SET key), said at `at`. */
  problem?: { at: SqlPosition; message: string };
}

export interface SqlProblem {
  at: SqlPosition;
  message: string;
}

export interface SplitScript {
  statements: SqlStatement[];
  /** Lexical problems: an unterminated literal, identifier or comment, a statement set without END. */
  problems: SqlProblem[];
}

interface Token {
  /** A word (keyword or identifier) in upper case, a string literal's value, or a symbol. */
  type: 'word' | 'string' | 'quoted' | 'symbol';
  text: string;
  offset: number;
  endOffset: number;
}

/** Positions of offsets in `text` (lines start after \n; \r\n counts as one line break). */
function positions(text: string): (offset: number) => SqlPosition {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  };
}

/** Tokens of the script (comments and whitespace dropped), and where the lexer gave up. */
function tokenize(text: string): { tokens: Token[]; problem?: { offset: number; message: string } } {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0)
        return { tokens, problem: { offset: i, message: 'a /* comment is never closed with */' } };
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '`' || c === '"') {
      // Doubling the quote escapes it, in literals and in quoted identifiers alike.
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) {
          const what =
            c === "'"
              ? "a string literal ' is never closed"
              : `an identifier quoted with ${c} is never closed`;
          return { tokens, problem: { offset: i, message: what } };
        }
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ type: c === "'" ? 'string' : 'quoted', text: value, offset: i, endOffset: j + 1 });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
      // A literal's prefix (X'..', N'..', _utf8'..', U&'..') belongs to the literal that follows.
      tokens.push({ type: 'word', text: text.slice(i, j).toUpperCase(), offset: i, endOffset: j });
      i = j;
      continue;
    }
    tokens.push({ type: 'symbol', text: c, offset: i, endOffset: i + 1 });
    i++;
  }
  return { tokens };
}

const QUERY_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN', 'SHOW', 'DESCRIBE', 'DESC', 'TABLE']);

function kindOf(words: string[]): SqlKind {
  const [a, b, c] = words;
  if (a === 'SET') return 'SET';
  if (a === 'RESET') return 'RESET';
  if (a === 'INSERT' || (a === 'EXECUTE' && b === 'INSERT')) return 'INSERT';
  if ((a === 'EXECUTE' && b === 'STATEMENT' && c === 'SET') || (a === 'STATEMENT' && b === 'SET'))
    return 'STATEMENT_SET';
  if (a === 'CREATE' || a === 'REPLACE') return 'CREATE';
  if (a === 'ALTER') return 'ALTER';
  if (a === 'DROP') return 'DROP';
  if (a === 'USE') return 'USE';
  if (a === 'LOAD' || a === 'UNLOAD') return 'MODULE';
  if (a === 'ADD' && b === 'JAR') return 'ADD_JAR';
  if (a === 'EXECUTE' && b !== undefined && QUERY_STARTS.has(b)) return 'QUERY';
  if (a !== undefined && QUERY_STARTS.has(a)) return 'QUERY';
  return 'OTHER';
}

/** Splits a script into statements. Never throws: what cannot be read is a problem with a position. */
export function splitSql(text: string): SplitScript {
  const at = positions(text);
  const { tokens, problem } = tokenize(text);
  const statements: SqlStatement[] = [];
  const problems: SqlProblem[] = [];
  let first = 0;
  let words: string[] = [];
  const close = (endToken: number, semicolon: Token | undefined) => {
    const own = tokens.slice(first, endToken);
    first = endToken + (semicolon ? 1 : 0);
    words = [];
    if (own.length === 0) return;
    const startOffset = own[0]!.offset;
    const endOffset = own[own.length - 1]!.endOffset;
    // Comments before the end stay in the text; only the statement's outer whitespace goes.
    const statement: SqlStatement = {
      kind: createsFromQuery(own)
        ? 'CREATE_AS'
        : kindOf(own.filter((t) => t.type === 'word').map((t) => t.text)),
      text: text.slice(startOffset, endOffset).trim(),
      normalized: own
        .map((t, i) => {
          const gap = i > 0 && t.offset > own[i - 1]!.endOffset ? ' ' : '';
          return gap + text.slice(t.offset, t.endOffset);
        })
        .join(''),
      start: at(startOffset),
      end: at(endOffset - 1),
    };
    describeStatement(statement, own, at);
    statements.push(statement);
  };
  let inSet = false;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    // The first words say what a statement is; four are enough to see a STATEMENT SET's BEGIN.
    if (t.type === 'word' && words.length < 4) words.push(t.text);
    // EXECUTE STATEMENT SET BEGIN … END: the INSERTs inside end with ; too.
    if (!inSet && t.type === 'word' && t.text === 'BEGIN' && kindOf(words) === 'STATEMENT_SET') inSet = true;
    if (inSet) {
      if (t.type === 'word' && t.text === 'END') {
        const next = tokens[k + 1];
        if (next === undefined || (next.type === 'symbol' && next.text === ';')) {
          inSet = false;
          close(k + 1, next);
          k++;
        }
      }
      continue;
    }
    if (t.type === 'symbol' && t.text === ';') close(k, t);
  }
  if (inSet) {
    problems.push({
      at: at(tokens[first]!.offset),
      message: 'this STATEMENT SET has no END; expected EXECUTE STATEMENT SET BEGIN <INSERT …;> … END;',
    });
  } else if (problem === undefined) {
    close(tokens.length, undefined);
  }
  if (problem) problems.push({ at: at(problem.offset), message: problem.message });
  return { statements, problems };
}

/** SET/RESET key and value, and the INSERTs a statement holds. */
function describeStatement(s: SqlStatement, own: Token[], at: (offset: number) => SqlPosition): void {
  if (s.kind === 'INSERT') s.inserts = 1;
  if (s.kind === 'STATEMENT_SET') {
    s.inserts = own.filter((t, i) => t.type === 'word' && t.text === 'INSERT' && startsClause(own, i)).length;
  }
  if (s.kind !== 'SET' && s.kind !== 'RESET') return;
  const rest = own.slice(1);
  if (rest.length === 0) {
    s.problem = {
      at: s.start,
      message: `a bare ${s.kind} changes nothing in a job (it lists or clears options in the SQL client); write ${s.kind} 'key'${s.kind === 'SET' ? " = 'value'" : ''};`,
    };
    return;
  }
  const key = rest[0]!;
  const shape = s.kind === 'SET' ? "SET 'key' = 'value';" : "RESET 'key';";
  if (key.type !== 'string') {
    s.problem = { at: at(key.offset), message: `found ${s.kind} without a quoted key; expected ${shape}` };
    return;
  }
  s.key = key.text;
  s.keyAt = at(key.offset);
  if (s.kind === 'RESET') {
    if (rest.length > 1) s.problem = { at: at(rest[1]!.offset), message: `expected ${shape}` };
    return;
  }
  const eq = rest[1];
  const value = rest[2];
  if (!eq || eq.text !== '=' || !value || value.type !== 'string' || rest.length > 3) {
    const where = eq && eq.text === '=' ? (value ?? eq) : (eq ?? key);
    s.problem = {
      at: at(where === key ? key.endOffset : where.offset),
      message: `expected ${shape} (the value quoted too)`,
    };
    return;
  }
  s.value = value.text;
  s.valueAt = at(value.offset);
}

/**
 * CREATE/REPLACE TABLE … AS <query> (CTAS, RTAS): an AS outside parentheses. Computed columns and
 * watermarks (`ts AS …`) sit inside the column list; CREATE VIEW and CREATE FUNCTION … AS are no job.
 */
function createsFromQuery(own: Token[]): boolean {
  const first = own[0];
  if (!first || first.type !== 'word' || (first.text !== 'CREATE' && first.text !== 'REPLACE')) return false;
  const table = own.findIndex(
    (t) => t.type === 'word' && (t.text === 'TABLE' || t.text === 'VIEW' || t.text === 'FUNCTION'),
  );
  if (table < 0 || own[table]!.text !== 'TABLE') return false;
  let depth = 0;
  for (const t of own.slice(table + 1)) {
    if (t.type === 'symbol' && t.text === '(') depth++;
    else if (t.type === 'symbol' && t.text === ')') depth--;
    else if (depth === 0 && t.type === 'word' && t.text === 'AS') return true;
  }
  return false;
}

/** An INSERT that starts a statement of its own: first in the block, after BEGIN or after `;`. */
function startsClause(own: Token[], i: number): boolean {
  const before = own[i - 1];
  return (
    before === undefined ||
    (before.type === 'word' && before.text === 'BEGIN') ||
    (before.type === 'symbol' && before.text === ';')
  );
}

/** The statements as plan and diff show them: one line each (see `normalized`). */
export function statementLine(s: SqlStatement): string {
  return s.normalized;
}

/**
 * `text` (a statement as written or normalized) with the value of every `'key' = 'value'` pair whose key
 * `isSecretKey` names replaced by `mask`: WITH options and SET alike. What is not lexically whole is
 * returned masked entirely, as it cannot be read safely.
 */
export function maskSqlValues(text: string, isSecretKey: (key: string) => boolean, mask: string): string {
  const { tokens, problem } = tokenize(text);
  if (problem) return mask;
  let out = '';
  let last = 0;
  for (let i = 2; i < tokens.length; i++) {
    const [key, eq, value] = [tokens[i - 2]!, tokens[i - 1]!, tokens[i]!];
    if (key.type !== 'string' || eq.text !== '=' || eq.type !== 'symbol' || value.type !== 'string') continue;
    if (!isSecretKey(key.text)) continue;
    out += `${text.slice(last, value.offset)}'${mask}'`;
    last = value.endOffset;
  }
  return out + text.slice(last);
}
