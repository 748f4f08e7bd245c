// validate on SQL jobs (job.sql): the spec's rules for jar and SQL jobs, and the script's own problems
// at the script's file:line:col, exit 2, before anything is touched.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

function repo(spec: string, files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-sql-validate-'));
  writeFileSync(path.join(dir, 'flinkship.yaml'), spec);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return path.join(dir, 'flinkship.yaml');
}

const SPEC = `name: t
flinkVersion: '1.20'
image: { repository: ghcr.io/acme/t }
job:
  sql: job.sql
environments:
  staging: { namespace: flink }
`;
const GOOD = `SET 'execution.checkpointing.interval' = '10 s';
CREATE TABLE s (x STRING) WITH ('connector' = 'datagen');
CREATE TABLE k (x STRING) WITH ('connector' = 'blackhole');
INSERT INTO k SELECT x FROM s;
`;

const errors = (err: string) => err.split('\n').filter((l) => l.startsWith('error: '));

describe('validate: SQL jobs', () => {
  it('accepts the SQL fixture and a plain script', async () => {
    const fixture = await cli('validate', '--config', 'fixtures/log-cleaner-sql/flinkship.yaml');
    expect(fixture.err).not.toContain('error:');
    expect(fixture.code).toBe(0);
    const plain = await cli('validate', '--config', repo(SPEC, { 'job.sql': GOOD }));
    expect(plain.code).toBe(0);
  });

  it("says each of the script's problems at the script's file:line:col and exits 2", async () => {
    const spec = repo(SPEC, {
      'job.sql': `SET 'execution.checkpointing.intervall' = '10 s';
SET 'taskmanager.memory.process.size' = '2g';
SET 'execution.checkpointing.interval' = 'often';
SET 'parallelism.default' = '4';
SELEC 1;
SELECT * FROM s;
CREATE TABLE c WITH ('connector' = 'print') AS SELECT * FROM s;
ADD JAR '/tmp/x.jar';
INSERT INTO k SELECT 'a;b' FROM s; -- fine
`,
    });
    const script = path.join(path.dirname(spec), 'job.sql');
    const r = await cli('validate', '--config', spec);
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      `error: ${script}:1:5: job.sql: "execution.checkpointing.intervall" is not an option of Flink 1.20, which ignores keys it does not know; did you mean "execution.checkpointing.interval"?`,
      `error: ${script}:2:5: job.sql: "taskmanager.memory.process.size" configures the cluster, whose processes read it before the script runs: a SET of it changes nothing; set it in flinkConfiguration`,
      `error: ${script}:3:42: job.sql: found "often"; expected a Flink duration: a whole number and a unit, such as 60 s, 10 min, 500 ms, 1 h or 2 d`,
      `error: ${script}:4:5: job.sql: "parallelism.default" is set by flinkship from job.parallelism; remove this SET`,
      `error: ${script}:5:1: job.sql: found "SELEC", which no Flink SQL statement starts with (did you mean "SELECT"?); expected INSERT, CREATE, SET, EXECUTE STATEMENT SET or another statement`,
      `error: ${script}:6:1: job.sql: found SELECT: a query outside INSERT would be a job of its own whose rows go nowhere (an application cluster runs one job); expected INSERT INTO <sink> SELECT …`,
      `error: ${script}:7:1: job.sql: CREATE TABLE … AS SELECT starts a job of its own; flinkship runs every INSERT as one job: CREATE TABLE the sink, then INSERT INTO it SELECT …`,
      `error: ${script}:8:1: job.sql: ADD JAR loads a jar at run time from a path the cluster may not have; list the jar in job.libs, and build puts it into the image's /opt/flink/usrlib`,
    ]);
  });

  it('refuses a script without an INSERT, and one that cannot be read as SQL', async () => {
    const none = repo(SPEC, { 'job.sql': "SET 'pipeline.name' = 'x';\nCREATE TABLE s (x INT);\n" });
    const r = await cli('validate', '--config', none);
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      `error: ${path.join(path.dirname(none), 'job.sql')}:1:1: job.sql: the script has no INSERT, so it would start no job; expected INSERT INTO <sink> SELECT …; (every INSERT runs in one job)`,
    ]);
    const open = repo(SPEC, { 'job.sql': "INSERT INTO k\nSELECT 'x FROM s;\n" });
    expect(errors((await cli('validate', '--config', open)).err)).toEqual([
      `error: ${path.join(path.dirname(open), 'job.sql')}:2:8: job.sql: a string literal ' is never closed`,
    ]);
    const binary = repo(SPEC, { 'job.sql': Buffer.from([0xff, 0xfe, 0x00, 0x41]) });
    expect(errors((await cli('validate', '--config', binary)).err)).toEqual([
      `error: ${binary}:5:8: job.sql: ${path.join(path.dirname(binary), 'job.sql')} is not UTF-8 text; expected a SQL script`,
    ]);
    const missing = repo(SPEC);
    expect(errors((await cli('validate', '--config', missing)).err)).toEqual([
      `error: ${missing}:5:8: job.sql: no such file: ${path.join(path.dirname(missing), 'job.sql')}; expected the job's SQL script, relative to ${missing}`,
    ]);
  });

  it("reads only a script of the spec's repository (or directory): not a path or a symlink out of it", async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'flinkship-sql-outside-'));
    writeFileSync(path.join(outside, 'job.sql'), GOOD);
    const spec = repo(SPEC.replace('sql: job.sql', `sql: ../${path.basename(outside)}/job.sql`));
    const r = await cli('validate', '--config', spec);
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      `error: ${spec}:5:8: job.sql: ../${path.basename(outside)}/job.sql is ${path.join(realpathSync(outside), 'job.sql')}, outside ${realpathSync(path.dirname(spec))}; the script must be a file of the spec's repository`,
    ]);
    const linked = repo(SPEC);
    symlinkSync(path.join(outside, 'job.sql'), path.join(path.dirname(linked), 'job.sql'));
    expect(errors((await cli('validate', '--config', linked)).err)[0]).toMatch(
      /job\.sql: job\.sql is .*outside .*; the script must be a file of the spec's repository$/,
    );
    // Inside a git work tree, anywhere in it is fine.
    const tree = mkdtempSync(path.join(tmpdir(), 'flinkship-sql-tree-'));
    mkdirSync(path.join(tree, '.git'));
    mkdirSync(path.join(tree, 'sql'));
    mkdirSync(path.join(tree, 'deploy'));
    writeFileSync(path.join(tree, 'sql/job.sql'), GOOD);
    writeFileSync(
      path.join(tree, 'deploy/flinkship.yaml'),
      SPEC.replace('sql: job.sql', 'sql: ../sql/job.sql'),
    );
    const ok = await cli('validate', '--config', path.join(tree, 'deploy/flinkship.yaml'));
    expect(ok.err).not.toContain('error:');
    expect(ok.code).toBe(0);
  });

  it('warns, and still accepts, a SET of a deprecated key', async () => {
    const spec = repo(SPEC, { 'job.sql': `SET 'state.backend' = 'hashmap';\n${GOOD}` });
    const r = await cli('validate', '--config', spec);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/job\.sql:1:5: warning: .*"state\.backend"/);
  });

  it('holds a job to one kind: jar or SQL, at the top level and in every environment', async () => {
    const both = repo(SPEC.replace('  sql: job.sql\n', '  sql: job.sql\n  jar: x.jar\n  args: [a]\n'), {
      'job.sql': GOOD,
    });
    const r = await cli('validate', '--config', both);
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      `error: ${both}:6:8: job.jar: found "x.jar"; expected no jar in a SQL job: give job.jar or job.sql, not both`,
      `error: ${both}:7:9: job.args: found a list; expected no args in a SQL job: the script is its program (SET statements configure it)`,
    ]);
    const neither = repo(SPEC.replace('  sql: job.sql\n', '  parallelism: 2\n'));
    expect(errors((await cli('validate', '--config', neither)).err)).toEqual([
      `error: ${neither}:5:3: job.jar: required key "jar" is missing; expected a path to a .jar file (or job.sql instead, for a SQL job)`,
    ]);
    const mixed = repo(
      SPEC.replace(
        '  staging: { namespace: flink }',
        '  staging: { namespace: flink, job: { entryClass: a.B } }',
      ),
      { 'job.sql': GOOD },
    );
    expect(errors((await cli('validate', '--config', mixed)).err)).toEqual([
      `error: ${mixed}:7:51: environments.staging.job.entryClass: the job is a SQL job (job.sql at the top level), which has no entryClass; remove it`,
    ]);
    const jarJob = repo(
      SPEC.replace('  sql: job.sql\n', '  jar: x.jar\n').replace(
        '  staging: { namespace: flink }',
        '  staging: { namespace: flink, job: { sql: job.sql } }\n  prod: { namespace: p, job: { libs: [k.jar] } }',
      ),
      { 'job.sql': GOOD },
    );
    expect(errors((await cli('validate', '--config', jarJob)).err)).toEqual([
      `error: ${jarJob}:7:44: environments.staging.job.sql: the job is a jar job (job.jar at the top level); an environment cannot make it a SQL job: give job.sql at the top level instead of job.jar`,
      `error: ${jarJob}:8:38: environments.prod.job.libs: libs are the connector jars of a SQL job; a jar job shades its dependencies into its jar, or adds jars to /opt/flink/lib with image.libs`,
    ]);
  });

  it("checks connectors' coordinates, and that an org.apache.flink artifact is built for flinkVersion", async () => {
    const spec = repo(
      SPEC.replace(
        '  sql: job.sql\n',
        `  sql: job.sql
  connectors:
    - artifact: org.apache.flink:flink-sql-connector-kafka:3.4.0-1.19
    - artifact: org.apache.flink:flink-json:2.0.0
    - artifact: org.apache.flink:flink-sql-connector-kafka:3.4.0-1.20
      sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    - artifact: com.acme:udfs:1.2.3
    - artifact: flink-sql-connector-kafka
    - { artifact: com.acme:udfs:1.2.4, sha256: ABC }
`,
      ),
      { 'job.sql': GOOD },
    );
    const r = await cli('validate', '--config', spec);
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      `error: ${spec}:7:17: job.connectors[0].artifact: flink-sql-connector-kafka 3.4.0-1.19 is built for Flink 1.19, but flinkVersion is "1.20"; expected the release of flink-sql-connector-kafka for Flink 1.20, whose version ends in -1.20`,
      `error: ${spec}:8:17: job.connectors[1].artifact: flink-json 2.0.0 is an artifact of Flink 2.0, but flinkVersion is "1.20"; expected flink-json 1.20.<patch>`,
      `error: ${spec}:12:17: job.connectors[4].artifact: found "flink-sql-connector-kafka"; expected Maven coordinates groupId:artifactId:version, such as org.apache.flink:flink-sql-connector-kafka:3.4.0-1.20`,
      `error: ${spec}:13:48: job.connectors[5].sha256: found "ABC"; expected 64 lowercase hex digits`,
    ]);
    const jarJob = repo(
      SPEC.replace('  sql: job.sql\n', "  jar: x.jar\n  connectors: [{ artifact: 'a:b:1' }]\n"),
    );
    expect(errors((await cli('validate', '--config', jarJob)).err)).toEqual([
      `error: ${jarJob}:6:15: job.connectors: found a list; expected no connectors in a jar job: shade them into the jar`,
    ]);
  });

  it('build of a SQL job checks its flags before anything is touched: a Maven repository URL with credentials in it', async () => {
    const spec = repo(SPEC, { 'job.sql': GOOD });
    const r = await cli(
      ...['build', '--config', spec, '--env', 'staging', '--no-push', '--tag', 't'],
      ...['--maven-repository', 'https://me:secret@mirror.example/maven2'],
    );
    expect(r.code).toBe(2);
    expect(errors(r.err)).toEqual([
      'error: <flags>: --maven-repository: found "https://me:secret@mirror.example/maven2"; expected the http(s) URL of a Maven repository without credentials in it, such as https://repo.maven.apache.org/maven2',
    ]);
  });
});
