package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** --check: one JSON document on stdout; argv mistakes: one line on stderr; exit codes. */
class CheckModeTest {

    @TempDir Path dir;

    /** Exit code, stdout and stderr of one run of the program. */
    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc =
                SqlRunner.run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String write(String sql) throws Exception {
        Path file = Files.createTempFile(dir, "job", ".sql");
        Files.writeString(file, sql);
        return file.toString();
    }

    static final String SCRIPT =
            "SET 'parallelism.default' = '1';\n"
                    + "-- the source; generated\n"
                    + "CREATE TABLE src (id BIGINT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3');\n"
                    + "CREATE TABLE out1 (id BIGINT, s STRING) WITH ('connector' = 'print');\n"
                    + "CREATE TABLE out2 (id BIGINT) WITH ('connector' = 'blackhole');\n"
                    + "EXECUTE STATEMENT SET BEGIN\n"
                    + "  INSERT INTO out1 SELECT id, 'a;b' FROM src;\n"
                    + "  INSERT INTO out2 SELECT id FROM src;\n"
                    + "END;\n";

    @Test
    void printsTheStatementsAsOneJsonDocumentAfterValidatingThem() throws Exception {
        Run run = run("--check", write(SCRIPT));

        assertThat(run.err()).isEmpty();
        assertThat(run.rc()).isZero();
        assertThat(run.out())
                .isEqualTo(
                        "{\"ok\":true,\"validated\":true,\"statements\":["
                                + "{\"kind\":\"SET\",\"line\":1,\"column\":1,\"endLine\":1,\"endColumn\":31,"
                                + "\"key\":\"parallelism.default\",\"value\":\"1\"},"
                                + "{\"kind\":\"CREATE_TABLE\",\"line\":3,\"column\":1,\"endLine\":3,\"endColumn\":93,"
                                + "\"text\":\"CREATE TABLE src (id BIGINT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3')\"},"
                                + "{\"kind\":\"CREATE_TABLE\",\"line\":4,\"column\":1,\"endLine\":4,\"endColumn\":68,"
                                + "\"text\":\"CREATE TABLE out1 (id BIGINT, s STRING) WITH ('connector' = 'print')\"},"
                                + "{\"kind\":\"CREATE_TABLE\",\"line\":5,\"column\":1,\"endLine\":5,\"endColumn\":62,"
                                + "\"text\":\"CREATE TABLE out2 (id BIGINT) WITH ('connector' = 'blackhole')\"},"
                                + "{\"kind\":\"STATEMENT_SET\",\"line\":6,\"column\":1,\"endLine\":9,\"endColumn\":3,"
                                + "\"text\":\"EXECUTE STATEMENT SET BEGIN\\n  INSERT INTO out1 SELECT id, 'a;b' FROM src;\\n"
                                + "  INSERT INTO out2 SELECT id FROM src;\\nEND\",\"statements\":["
                                + "{\"kind\":\"INSERT\",\"line\":7,\"column\":3,\"endLine\":7,\"endColumn\":44,"
                                + "\"text\":\"INSERT INTO out1 SELECT id, 'a;b' FROM src\"},"
                                + "{\"kind\":\"INSERT\",\"line\":8,\"column\":3,\"endLine\":8,\"endColumn\":37,"
                                + "\"text\":\"INSERT INTO out2 SELECT id FROM src\"}]}],"
                                + "\"warnings\":[]}\n");
    }

    @Test
    void aSyntaxErrorIsOneJsonErrorAtFlinksPosition() throws Exception {
        Run run = run("--check", write("CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen');\nINSERT INTO t SELEC 1;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.err()).isEmpty();
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":2,\"column\":15,\"message\":"
                                + "\"Non-query expression encountered in illegal context\"}}")
                .endsWith("\n");
    }

    @Test
    void anUnexpectedTokenIsReportedWithTheParsersMessage() throws Exception {
        Run run = run("--check", write("SET 'a' = 'b';\n\n  INSERT INTO t VALUES (1,;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":3,\"column\":27,\"message\":"
                                + "\"Encountered \\\";\\\" at line 3, column 27.\\nWas expecting one of:\\n");
        assertThat(run.out().strip()).endsWith("\"}}").doesNotContain("\"statements\"");
    }

    @Test
    void aValidationErrorIsReportedAtItsStatement() throws Exception {
        Run run =
                run(
                        "--check",
                        write("CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n\nINSERT INTO t SELECT nope FROM t;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith("{\"ok\":false,\"error\":{\"line\":3,\"column\":1,\"message\":\"INSERT failed: ")
                .contains("Column 'nope' not found in any table");
    }

    @Test
    void aMissingConnectorIsAWarningNotAnError() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "CREATE TABLE t (id BIGINT) WITH ('connector' = 'not-on-the-class-path');\n"
                                        + "INSERT INTO t SELECT 1;\n"));

        assertThat(run.rc()).isZero();
        assertThat(run.out())
                .startsWith("{\"ok\":true,\"validated\":false,\"statements\":[")
                .contains(
                        "\"warnings\":[{\"line\":2,\"column\":1,\"message\":\"not validated from here on"
                                + " (not on the check's class path): ")
                .contains("Could not find any factory for identifier 'not-on-the-class-path'");
    }

    @Test
    void addJarEndsTheValidationWithAWarning() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n"
                                        + "ADD JAR '/opt/flink/usrlib/udfs.jar';\n"
                                        + "INSERT INTO t SELECT 1;\n"));

        assertThat(run.rc()).isZero();
        assertThat(run.out())
                .startsWith("{\"ok\":true,\"validated\":false,")
                .endsWith(
                        "\"warnings\":[{\"line\":2,\"column\":1,\"message\":\"not validated from here on:"
                                + " ADD JAR refers to the cluster's files\"}]}\n");
    }

    @Test
    void aScriptTheRunnerWouldRefuseFailsTheCheck() throws Exception {
        Run run = run("--check", write("CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\nSELECT * FROM t;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":2,\"column\":1,\"message\":\"SELECT is not supported"
                                + " in a job script")
                .contains("\"statements\":[{\"kind\":\"CREATE_TABLE\"");
    }

    @Test
    void aScriptWithoutInsertFailsTheCheckWithoutAPosition() throws Exception {
        Run run = run("--check", write("-- nothing to run; really\nCREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .isEqualTo(
                        "{\"ok\":false,\"error\":{\"line\":0,\"column\":0,\"message\":\"the script has no INSERT"
                                + " statement: a job script writes to at least one table with INSERT INTO (or EXECUTE"
                                + " STATEMENT SET BEGIN INSERT ...; END;)\"},\"statements\":[{\"kind\":\"CREATE_TABLE\","
                                + "\"line\":2,\"column\":1,\"endLine\":2,\"endColumn\":59,"
                                + "\"text\":\"CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole')\"}]}\n");
    }

    @Test
    void argumentMistakesAreOneLineOnStderrAndExitCode2() throws Exception {
        Run none = run();
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.out()).isEmpty();
        assertThat(none.err())
                .isEqualTo(
                        "flinkship-sql-runner: no arguments; usage: SqlRunner --script <job.sql> | --check <job.sql>\n");

        Run unknown = run("--run", "x.sql");
        assertThat(unknown.rc()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("flinkship-sql-runner: unexpected arguments --run x.sql; usage:");

        Run missing = run("--check", dir.resolve("missing.sql").toString());
        assertThat(missing.rc()).isEqualTo(2);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err())
                .isEqualTo("flinkship-sql-runner: cannot read " + dir.resolve("missing.sql") + ": no such file\n");
    }
}
