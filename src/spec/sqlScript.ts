// What validate says of a SQL job's script without a cluster and without Java: it splits (sql.ts), it
// has an INSERT and nothing that would be a second job or print nowhere, and its SET statements name
// options of the job's Flink version with valid values, which SET can change (a cluster's options are
// read before the script is). Every problem at the script's file:line:col.
import { createHash } from 'node:crypto';
import type { InputIssue } from '../util/errors.js';
import { closest } from '../util/suggest.js';
import { checkKey, flinkOptions, valueProblem } from './flinkOptions.js';
import { splitSql, type SplitScript, type SqlPosition, type SqlStatement } from './sql.js';

/** A script is a few kilobytes; this bound keeps validate fast on the wrong file. */
export const MAX_SQL_BYTES = 1024 * 1024;

/**
 * Job options flinkship itself decides at submission: a SET of one would fight the spec's field (the
 * parallelism) or the upgrade (the snapshot a job restores from).
 */
export const SET_BY_FLINKSHIP: Record<string, string> = {
  'parallelism.default': 'job.parallelism',
  'execution.savepoint.path': 'the upgrade (it restores from the savepoint or checkpoint it chose)',
  'execution.state-recovery.path': 'the upgrade (it restores from the savepoint or checkpoint it chose)',
  'execution.savepoint.ignore-unclaimed-state': 'upgrade.allowNonRestoredState',
  'execution.state-recovery.ignore-unclaimed-state': 'upgrade.allowNonRestoredState',
  'execution.savepoint-restore-mode': 'upgrade.claimMode',
  'execution.state-recovery.claim-mode': 'upgrade.claimMode',
  'pipeline.jars': 'job.libs',
  'pipeline.classpaths': 'job.libs',
  'execution.target': 'the deploy verb (always kubernetes-application)',
};

/** Options of the cluster's processes: read when the JobManager and TaskManagers start, before any SET. */
const CLUSTER_PREFIXES = [
  'kubernetes.',
  'jobmanager.',
  'taskmanager.',
  'high-availability.',
  'rest.',
  'web.',
  'blob.',
  'pekko.',
  'akka.',
  'metrics.',
  'security.',
  'env.',
  'containerized.',
  'resourcemanager.',
  'cluster.',
  'slot.',
  'heartbeat.',
  'historyserver.',
  'queryable-state.',
  'external-resource.',
  'io.tmp.dirs',
  'fs.',
  's3.',
];

/** What a Flink SQL statement may start with (Flink 1.19 to 2.3), for did-you-mean on a typo. */
const STATEMENT_STARTS = [
  'INSERT',
  'EXECUTE',
  'CREATE',
  'ALTER',
  'DROP',
  'REPLACE',
  'USE',
  'SET',
  'RESET',
  'LOAD',
  'UNLOAD',
  'SELECT',
  'WITH',
  'VALUES',
  'EXPLAIN',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'ADD',
  'REMOVE',
  'CALL',
  'ANALYZE',
  'TRUNCATE',
  'UPDATE',
  'DELETE',
];

export interface SqlScriptCheck {
  split: SplitScript;
  issues: InputIssue[];
  warnings: InputIssue[];
}

const FIELD = 'job.sql';

/** The sha256 of the script as the image holds it, `sha256:<hex>`. */
export function sqlDigest(text: string | Buffer): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function checkSqlScript(file: string, text: string, flinkVersion: string | undefined): SqlScriptCheck {
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const issue = (at: SqlPosition, message: string) =>
    issues.push({ file, line: at.line, col: at.col, field: FIELD, message });
  const split = splitSql(text);
  for (const p of split.problems) issue(p.at, p.message);
  const catalogue = flinkVersion ? flinkOptions(flinkVersion) : undefined;

  let inserts = 0;
  for (const s of split.statements) {
    if (s.problem) {
      issue(s.problem.at, s.problem.message);
      continue;
    }
    inserts += s.inserts ?? 0;
    const problem = statementProblem(s);
    if (problem) issue(s.start, problem);
    if (s.kind === 'SET' && s.key !== undefined && s.keyAt) {
      const keyIssue = setKeyProblem(s.key, s.value, catalogue);
      if (keyIssue?.warning) {
        warnings.push({ file, ...lc(s.keyAt), field: FIELD, message: keyIssue.message });
      } else if (keyIssue) {
        issue(keyIssue.atValue && s.valueAt ? s.valueAt : s.keyAt, keyIssue.message);
      }
    }
  }
  if (split.problems.length === 0 && inserts === 0) {
    const at = split.statements[0]?.start ?? { line: 1, col: 1 };
    issue(
      at,
      split.statements.length === 0
        ? 'the script holds no statement; expected the job in SQL: CREATE TABLE the source and sink, then INSERT INTO <sink> SELECT …;'
        : 'the script has no INSERT, so it would start no job; expected INSERT INTO <sink> SELECT …; (every INSERT runs in one job)',
    );
  }
  const byPosition = (a: InputIssue, b: InputIssue) => a.line! - b.line! || a.col! - b.col!;
  return { split, issues: issues.sort(byPosition), warnings: warnings.sort(byPosition) };
}

const lc = (p: SqlPosition) => ({ line: p.line, col: p.col });

function statementProblem(s: SqlStatement): string | undefined {
  switch (s.kind) {
    case 'QUERY':
      return `found ${firstWord(s)}: a query outside INSERT would be a job of its own whose rows go nowhere (an application cluster runs one job); expected INSERT INTO <sink> SELECT …`;
    case 'CREATE_AS':
      return 'CREATE TABLE … AS SELECT starts a job of its own; flinkship runs every INSERT as one job: CREATE TABLE the sink, then INSERT INTO it SELECT …';
    case 'ADD_JAR':
      return "ADD JAR loads a jar at run time from a path the cluster may not have; list the jar in job.libs, and build puts it into the image's /opt/flink/usrlib";
    case 'STATEMENT_SET':
      return s.inserts === 0
        ? 'this STATEMENT SET holds no INSERT; expected EXECUTE STATEMENT SET BEGIN INSERT INTO …; END;'
        : undefined;
    case 'OTHER': {
      const word = firstWord(s);
      if (STATEMENT_STARTS.includes(word)) return undefined; // Flink's parser decides (CALL, UPDATE, …).
      const near = closest(word, STATEMENT_STARTS);
      return `found "${word}", which no Flink SQL statement starts with${near ? ` (did you mean "${near}"?)` : ''}; expected INSERT, CREATE, SET, EXECUTE STATEMENT SET or another statement`;
    }
    default:
      return undefined;
  }
}

function firstWord(s: SqlStatement): string {
  return (/^[A-Za-z_]+/.exec(s.text)?.[0] ?? s.text.slice(0, 20)).toUpperCase();
}

function setKeyProblem(
  key: string,
  value: string | undefined,
  catalogue: ReturnType<typeof flinkOptions>,
): { message: string; warning?: boolean; atValue?: boolean } | undefined {
  const setBy = SET_BY_FLINKSHIP[key];
  if (setBy) return { message: `"${key}" is set by flinkship from ${setBy}; remove this SET` };
  const cluster = CLUSTER_PREFIXES.find((p) => key === p || key.startsWith(p));
  if (cluster) {
    return {
      message: `"${key}" configures the cluster, whose processes read it before the script runs: a SET of it changes nothing; set it in flinkConfiguration`,
    };
  }
  if (!catalogue) return undefined;
  const verdict = checkKey(key, catalogue);
  if (verdict.kind === 'unknown') return { message: verdict.message! };
  if (verdict.kind === 'deprecated') return { message: verdict.message!, warning: true };
  if (verdict.option && value !== undefined) {
    const problem = valueProblem(key, verdict.option, value, catalogue.flinkVersion);
    if (problem) return { message: problem, atValue: true };
  }
  return undefined;
}
