// How a SQL job's script splits into statements (src/spec/sql.ts): where Flink's parser would end each
// one, at exact positions, with what validate, plan and diff read of it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSqlValues, splitSql } from '../../src/spec/sql.js';

const kinds = (text: string) => splitSql(text).statements.map((s) => s.kind);

describe('splitSql', () => {
  it('ends statements at ; outside literals, quoted identifiers and comments, with exact positions', () => {
    const script = [
      '-- a comment; with a semicolon',
      "SET 'pipeline.name' = 'it''s; fine';",
      "/* a block; comment */ CREATE TABLE `a;b` (x STRING) WITH ('connector' = 'datagen');",
      '  INSERT INTO "c;d" SELECT x FROM `a;b` // trailing; comment',
      ';',
    ].join('\n');
    const { statements, problems } = splitSql(script);
    expect(problems).toEqual([]);
    expect(statements.map((s) => [s.kind, s.start, s.end])).toEqual([
      ['SET', { line: 2, col: 1 }, { line: 2, col: 35 }],
      ['CREATE', { line: 3, col: 24 }, { line: 3, col: 83 }],
      ['INSERT', { line: 4, col: 3 }, { line: 4, col: 39 }],
    ]);
    expect(statements[0]).toMatchObject({
      key: 'pipeline.name',
      keyAt: { line: 2, col: 5 },
      value: "it's; fine",
      valueAt: { line: 2, col: 23 },
    });
    expect(statements[2]!.normalized).toBe('INSERT INTO "c;d" SELECT x FROM `a;b`');
    expect(statements[2]!.inserts).toBe(1);
  });

  it('keeps EXECUTE STATEMENT SET BEGIN … END; as one statement and counts its INSERTs', () => {
    const script = `EXECUTE STATEMENT SET
BEGIN
  INSERT INTO a SELECT * FROM s;
  INSERT INTO b SELECT * FROM s WHERE note = 'END;';
END;
SET 'table.exec.state.ttl' = '1 h';`;
    const { statements, problems } = splitSql(script);
    expect(problems).toEqual([]);
    expect(statements.map((s) => [s.kind, s.start.line, s.end.line, s.inserts])).toEqual([
      ['STATEMENT_SET', 1, 5, 2],
      ['SET', 6, 6, undefined],
    ]);
  });

  it('says where a literal, an identifier, a comment or a statement set is never closed', () => {
    expect(splitSql("INSERT INTO a SELECT 'x FROM b;\n").problems).toEqual([
      { at: { line: 1, col: 22 }, message: "a string literal ' is never closed" },
    ]);
    expect(splitSql('SELECT 1;\nINSERT INTO `a SELECT 1;').problems).toEqual([
      { at: { line: 2, col: 13 }, message: 'an identifier quoted with ` is never closed' },
    ]);
    expect(splitSql('INSERT INTO a SELECT 1; /* no end').problems).toEqual([
      { at: { line: 1, col: 25 }, message: 'a /* comment is never closed with */' },
    ]);
    expect(splitSql("SET 'a' = 'b';\nEXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;").problems).toEqual([
      {
        at: { line: 2, col: 1 },
        message: 'this STATEMENT SET has no END; expected EXECUTE STATEMENT SET BEGIN <INSERT …;> … END;',
      },
    ]);
  });

  it('tells CREATE TABLE … AS SELECT from computed columns, watermarks, views and functions', () => {
    expect(
      kinds(`CREATE TABLE t (ts TIMESTAMP(3), d AS ts, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector'='datagen');
CREATE TEMPORARY VIEW v AS SELECT * FROM t;
CREATE FUNCTION f AS 'dev.acme.F';
CREATE TABLE c WITH ('connector'='print') AS SELECT * FROM t;
CREATE OR REPLACE TABLE r AS SELECT * FROM t;
INSERT INTO c SELECT * FROM t`),
    ).toEqual(['CREATE', 'CREATE', 'CREATE', 'CREATE_AS', 'CREATE_AS', 'INSERT']);
  });

  it('names the kind of every statement a job script may hold', () => {
    expect(
      kinds(`SET 'a' = 'b'; RESET 'a'; USE CATALOG c; ALTER TABLE t SET ('x'='y'); DROP TABLE t;
LOAD MODULE hive; ADD JAR '/x.jar'; SELECT 1; WITH q AS (SELECT 1) SELECT * FROM q; EXPLAIN SELECT 1;
SHOW TABLES; EXECUTE INSERT INTO a SELECT 1; CALL sys.p(); VALUES (1)`),
    ).toEqual([
      'SET',
      'RESET',
      'USE',
      'ALTER',
      'DROP',
      'MODULE',
      'ADD_JAR',
      'QUERY',
      'QUERY',
      'QUERY',
      'QUERY',
      'INSERT',
      'OTHER',
      'QUERY',
    ]);
  });

  it('reads SET and RESET only with quoted keys and values', () => {
    const [bare, unquoted, noValue, reset] = splitSql(
      "SET;\nSET a = 'b';\nSET 'a' =;\nRESET 'a';",
    ).statements;
    expect(bare!.problem?.message).toMatch(/^a bare SET changes nothing in a job/);
    expect(unquoted!.problem).toEqual({
      at: { line: 2, col: 5 },
      message: "found SET without a quoted key; expected SET 'key' = 'value';",
    });
    expect(noValue!.problem).toEqual({
      at: { line: 3, col: 9 },
      message: "expected SET 'key' = 'value'; (the value quoted too)",
    });
    expect(reset).toMatchObject({ kind: 'RESET', key: 'a', keyAt: { line: 4, col: 7 } });
    expect(reset!.problem).toBeUndefined();
  });

  it('counts lines after \\r\\n once, and reads an empty script as no statement', () => {
    const { statements } = splitSql("SET 'a' = 'b';\r\n\r\n  INSERT INTO x SELECT 1;");
    expect(statements[1]!.start).toEqual({ line: 3, col: 3 });
    expect(splitSql('  -- nothing\n/* at all */\n')).toEqual({ statements: [], problems: [] });
  });
});

// The cases the SQL runner's ScriptSpansTest reads too: both splitters must agree on every one.
describe('splitSql on the shared cases of fixtures/sql-split', () => {
  const dir = 'fixtures/sql-split';
  const cases = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(3));
  for (const file of cases) {
    it(`splits ${file} as the runner does`, () => {
      const { statements, problems } = splitSql(readFileSync(path.join(dir, file), 'utf8'));
      expect(problems).toEqual([]);
      const spans = statements.map((s) => {
        const kind = (s.inserts ?? 0) > 0 ? 'INSERT' : s.kind === 'SET' ? 'SET' : 'OTHER';
        return `${kind} ${s.start.line}:${s.start.col}-${s.end.line}:${s.end.col}`;
      });
      const expected = readFileSync(path.join(dir, file.replace(/\.sql$/, '.spans')), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      expect(spans).toEqual(expected);
    });
  }
});

describe('maskSqlValues', () => {
  const secret = (key: string) => key.includes('password');
  it("masks the value of every 'key' = 'value' pair whose key is secret, and only that", () => {
    expect(
      maskSqlValues(
        "SET 'x.password' = 'it''s'; CREATE TABLE t (a STRING) WITH ('user' = 'me', 'password' = 'p;w', 'note' = 'password')",
        secret,
        '******',
      ),
    ).toBe(
      "SET 'x.password' = '******'; CREATE TABLE t (a STRING) WITH ('user' = 'me', 'password' = '******', 'note' = 'password')",
    );
  });
  it('masks all of a text it cannot read whole', () => {
    expect(maskSqlValues("WITH ('password' = 'unterminated", secret, '******')).toBe('******');
  });
});
