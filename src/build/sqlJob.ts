// A SQL job's build: the SQL runner jar of the job's Flink line (shipped in dist/sql-runner, built from
// sql-runner/ by Maven), the job's connectors resolved from Maven, and Flink's own check of the script,
// run by the runner inside the built image (with the image's Flink, planner and connectors) before
// anything is pushed. Its findings are InputErrors at the script's file:line:col.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArtifactNotFound, resolveArtifact, type ResolveOptions } from '../executors/maven.js';
import type { DockerEngine } from '../executors/docker.js';
import { SQL_RUNNER_CLASS, SQL_RUNNER_JAR, USRLIB, type ContextFile, type ImagePlan } from '../plan/image.js';
import type { LoadedSpec, ResolvedEnvironment, SqlScript } from '../spec/types.js';
import type { Ui } from '../ui/ui.js';
import { InputError, OperationError, type InputIssue } from '../util/errors.js';
import { locateSpecField } from './locate.js';
import { specIssue } from './inputs.js';

/** The runner jar of a Flink line: the 1.x runner for Flink 1.18 to 1.20, the 2.x runner for 2.0 and later. */
export function sqlRunnerJarName(flinkVersion: string): string {
  return `flinkship-sql-runner-${flinkVersion.startsWith('1.') ? '1.x' : '2.x'}.jar`;
}

/** dist/sql-runner, found from this module (src/build, dist or dist/chunks), as the option catalogue is. */
export function sqlRunnerJar(flinkVersion: string): { file: string; sha256: string } {
  const name = sqlRunnerJarName(flinkVersion);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [
      path.join(dir, 'sql-runner', name),
      path.join(dir, 'dist', 'sql-runner', name),
    ]) {
      if (existsSync(candidate)) {
        const sha256 = createHash('sha256').update(readFileSync(candidate)).digest('hex');
        return { file: candidate, sha256 };
      }
    }
    dir = path.dirname(dir);
  }
  throw new OperationError(
    `the SQL runner ${name} is not in this installation of flinkship (dist/sql-runner); reinstall it, or run scripts/build-sql-runner in a checkout`,
  );
}

/**
 * The files of the context that are not the spec's: the runner, and each connector from Maven (the pinned
 * sha256 or the repository's .sha1 verified, cached). A connector no repository has is the spec's mistake.
 */
export async function sqlContextFiles(
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
  envName: string | undefined,
  image: ImagePlan,
  maven: ResolveOptions,
  ui: Ui,
): Promise<{ files: Map<string, string>; runnerSha256: string }> {
  const runner = sqlRunnerJar(env.flinkVersion);
  const files = new Map<string, string>();
  const connectors = env.job.connectors ?? [];
  for (const f of image.context) {
    if (f.source !== undefined) continue;
    if (f.path === `usrlib/${SQL_RUNNER_JAR}`) files.set(f.path, runner.file);
  }
  const withMaven = image.context.filter(
    (f): f is ContextFile & { maven: { artifact: string } } => !!f.maven,
  );
  if (withMaven.length > 0) {
    await ui.group(`Resolve ${withMaven.length} connector jar(s) from Maven`, async () => {
      for (const f of withMaven) {
        const index = connectors.findIndex((c) => c.artifact === f.maven.artifact);
        try {
          const got = await resolveArtifact(f.maven.artifact, f.maven.sha256, maven, ui);
          if (got.verifiedBy === 'cache') ui.info(`${f.maven.artifact}: cached, sha256 ${got.sha256}`);
          files.set(f.path, got.file);
        } catch (err) {
          if (err instanceof ArtifactNotFound) {
            const field = locateSpecField(loaded, envName, ['job', 'connectors', String(index), 'artifact']);
            throw new InputError([specIssue(loaded, field, err.message)]);
          }
          throw err;
        }
      }
    });
  }
  return { files, runnerSha256: runner.sha256 };
}

/** What Flink's check of the script found. */
export interface SqlCheck {
  statements: number;
  inserts: number;
  validated: boolean;
}

interface CheckOutput {
  ok: boolean;
  validated?: boolean;
  error?: { line?: number; column?: number; message?: string };
  statements?: { kind?: string; statements?: unknown[] }[];
  warnings?: { line?: number; column?: number; message?: string }[];
}

/** The JVM flags Flink's own scripts give Java 17 (env.java.default-opts.all), which the planner needs. */
const JAVA_OPENS = [
  'java.base/java.lang',
  'java.base/java.lang.reflect',
  'java.base/java.util',
  'java.base/java.util.concurrent',
  'java.base/java.io',
  'java.base/java.nio',
  'java.base/sun.nio.ch',
  'java.base/java.net',
  'java.base/java.text',
  'java.base/java.time',
].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]);

/**
 * Runs the runner's --check in the built image: Flink's parser and planner of the image's Flink version
 * parse every statement, run the DDL into an in-memory catalog and plan every INSERT with the image's
 * connectors. No network: the script cannot reach anything from here.
 */
export async function checkSqlInImage(
  engine: DockerEngine,
  imageId: string,
  image: ImagePlan,
  script: SqlScript,
  ui: Ui,
  timeoutMs = 300_000,
): Promise<SqlCheck> {
  const result = await engine.run(
    {
      image: imageId,
      entrypoint: ['java'],
      cmd: [
        ...JAVA_OPENS,
        '-cp',
        `/opt/flink/lib/*:${USRLIB}/*`,
        SQL_RUNNER_CLASS,
        '--check',
        '--script',
        image.sqlPath!,
      ],
      networkMode: 'none',
      timeoutMs,
    },
    () => undefined,
  );
  const json = [...result.output].reverse().find((l) => l.trimStart().startsWith('{"ok"'));
  let out: CheckOutput | undefined;
  try {
    out = json ? (JSON.parse(json) as CheckOutput) : undefined;
  } catch {
    out = undefined;
  }
  if (result.timedOut || !out) {
    const tail = result.output.slice(-30).join('\n');
    throw new OperationError(
      result.timedOut
        ? `the SQL check in the image did not finish in ${timeoutMs / 1000} s`
        : `the SQL check in the image exited ${result.exitCode} without a result; its output:\n${tail}`,
    );
  }
  if (!out.ok) {
    const e = out.error ?? {};
    const issue: InputIssue = {
      file: script.file,
      ...(e.line ? { line: e.line } : {}),
      ...(e.column ? { col: e.column } : {}),
      field: 'job.sql',
      message: `Flink rejects the script: ${e.message ?? 'no message'}`,
    };
    throw new InputError([issue]);
  }
  for (const w of out.warnings ?? []) {
    ui.warning(w.message ?? '', {
      file: script.file,
      ...(w.line ? { line: w.line } : {}),
      ...(w.column ? { col: w.column } : {}),
    });
  }
  const statements = out.statements ?? [];
  const inserts = statements.reduce(
    (n, s) =>
      n +
      (s.kind === 'INSERT' ? 1 : 0) +
      (s.kind === 'STATEMENT_SET' && Array.isArray(s.statements) ? s.statements.length : 0),
    0,
  );
  return { statements: statements.length, inserts, validated: out.validated === true };
}
