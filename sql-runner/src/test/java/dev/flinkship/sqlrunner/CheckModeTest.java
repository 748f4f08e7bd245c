package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --check through Flink's planner (on the test class path, as Flink's lib/ is in the image): one
 * JSON document on stdout; argv mistakes: one line on stderr; exit codes.
 */
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
        assertThat(run.out()).isEqualTo(SCRIPT_CHECKED);
    }

    /** Check mode's document for {@link #SCRIPT}. */
    static final String SCRIPT_CHECKED =
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
                    + "\"warnings\":[]}\n";

    @Test
    void aSyntaxErrorIsReportedAtItsPlaceInTheScriptWithFlinksMessage() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "SET 'parallelism.default' = '1';\n"
                                        + "-- the source\n"
                                        + "CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen');\n"
                                        + "\n"
                                        + "  SELEC * FROM t;\n"
                                        + "INSERT INTO t SELECT 1;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo(SYNTAX_ERROR);
    }

    /** The document for a `SELEC` (check mode's JSON for a syntax error, as a user sees it). */
    static final String SYNTAX_ERROR =
            "{\"ok\":false,\"error\":{\"line\":5,\"column\":3,\"message\":"
                    + "\"SQL parse failed. Non-query expression encountered in illegal context\"},"
                    + "\"statements\":["
                    + "{\"kind\":\"SET\",\"line\":1,\"column\":1,\"endLine\":1,\"endColumn\":31,"
                    + "\"key\":\"parallelism.default\",\"value\":\"1\"},"
                    + "{\"kind\":\"CREATE_TABLE\",\"line\":3,\"column\":1,\"endLine\":3,\"endColumn\":57,"
                    + "\"text\":\"CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen')\"}]}\n";

    @Test
    void aSyntaxErrorOnTheSecondLineOfAStatementIsAtItsLineAndColumn() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "SET 'a' = 'b';\n\n"
                                        + "  CREATE TABLE t (\n"
                                        + "    id BIGINT,,\n"
                                        + "    name STRING) WITH ('connector' = 'blackhole');\n"));

        assertThat(run.rc()).isEqualTo(2);
        // Flink's message, its position rewritten to the script's: line 4, not the statement's line 2.
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":4,\"column\":15,\"message\":"
                                + "\"SQL parse failed. Encountered \\\",\\\" at line 4, column 15.\\nWas expecting one of:\\n")
                .contains("\"statements\":[{\"kind\":\"SET\",\"line\":1,")
                .doesNotContain("line 2, column");
    }

    @Test
    void anUnexpectedEndOfAStatementIsAtItsLastCharacter() throws Exception {
        Run run = run("--check", write("SET 'a' = 'b';\n\n  INSERT INTO t VALUES (1,\n  ;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":3,\"column\":26,\"message\":"
                                + "\"Encountered \\\"<EOF>\\\" at line 3, column 26.\\nWas expecting one of:\\n");
    }

    @Test
    void aLexicalErrorHasNoStatements() throws Exception {
        Run run = run("--check", write("SET 'a' = 'b';\nINSERT INTO t SELECT 'x;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .isEqualTo(
                        "{\"ok\":false,\"error\":{\"line\":2,\"column\":22,"
                                + "\"message\":\"a string literal ' is never closed\"}}\n");
    }

    @Test
    void aValidationErrorIsReportedAtItsStatementWithScriptPositions() throws Exception {
        Run run =
                run(
                        "--check",
                        write("CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n\n   INSERT INTO t SELECT nope FROM t;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":3,\"column\":4,\"message\":\"SQL validation failed."
                                + " From line 3, column 25 to line 3, column 28: Column 'nope' not found in any table\"},"
                                + "\"statements\":[{\"kind\":\"CREATE_TABLE\",");
    }

    /** The start of the message for a sink whose connector is not on the class path. */
    static final String MISSING_CONNECTOR_MESSAGE =
            "INSERT failed: Unable to create a sink for writing table 'default_catalog.default_database.sink'.";

    @Test
    void aMissingConnectorIsAnErrorAtTheInsert() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen');\n"
                                        + "CREATE TABLE sink (id BIGINT) WITH ('connector' = 'not-on-the-class-path', 'password' = 'hunter2');\n"
                                        + "-- the job\n"
                                        + "INSERT INTO sink\n  SELECT id FROM src;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith("{\"ok\":false,\"error\":{\"line\":4,\"column\":1,\"message\":\"" + MISSING_CONNECTOR_MESSAGE)
                .contains("Could not find any factory for identifier 'not-on-the-class-path'")
                // Flink hides the values of secret options in its messages.
                .contains("'password'='******'")
                .contains("{\"kind\":\"INSERT\",\"line\":4,\"column\":1,\"endLine\":5,\"endColumn\":20,");
        assertThat(run.out().substring(0, run.out().indexOf("\"statements\""))).doesNotContain("hunter2");
    }

    @Test
    void aMissingSourceConnectorIsAnErrorAtTheInsertOfTheStatementSetThatReadsIt() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "CREATE TABLE src (id BIGINT) WITH ('connector' = 'nowhere');\n"
                                        + "CREATE TABLE ok (id BIGINT) WITH ('connector' = 'datagen');\n"
                                        + "CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');\n"
                                        + "EXECUTE STATEMENT SET BEGIN\n"
                                        + "  INSERT INTO sink SELECT id FROM ok;\n"
                                        + "  INSERT INTO sink SELECT id FROM src;\n"
                                        + "END;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":6,\"column\":3,\"message\":\"Unable to create a source"
                                + " for reading table 'default_catalog.default_database.src'.")
                .contains("Could not find any factory for identifier 'nowhere'");
    }

    @Test
    void anyKeyCanBeSetAsInFlinksConfiguration() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "SET 'no.such.option' = 'x';\n"
                                        + "CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n"
                                        + "SET 'table.exec.state.ttl' = '1 h';\n"
                                        + "RESET 'no.such.option';\n"
                                        + "INSERT INTO t SELECT 1;\n"));

        assertThat(run.rc()).as(run.out()).isZero();
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":true,\"validated\":true,\"statements\":["
                                + "{\"kind\":\"SET\",\"line\":1,\"column\":1,\"endLine\":1,\"endColumn\":26,"
                                + "\"key\":\"no.such.option\",\"value\":\"x\"},")
                .contains(
                        "{\"kind\":\"RESET\",\"line\":4,\"column\":1,\"endLine\":4,\"endColumn\":22,"
                                + "\"key\":\"no.such.option\"}")
                .endsWith("\"warnings\":[]}\n");
    }

    @Test
    void addJarIsRefused() throws Exception {
        Run run =
                run(
                        "--check",
                        write(
                                "CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n"
                                        + "ADD JAR '/opt/flink/usrlib/udfs.jar';\n"
                                        + "INSERT INTO t SELECT 1;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":2,\"column\":1,\"message\":\"ADD JAR is not supported"
                                + " in a job script: it loads a jar at run time from a path the cluster may not have;");
    }

    @Test
    void aScriptTheRunnerWouldRefuseFailsTheCheck() throws Exception {
        Run run = run("--check", write("CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen');\nSELECT * FROM t;\n"));

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .isEqualTo(
                        "{\"ok\":false,\"error\":{\"line\":2,\"column\":1,\"message\":\"SELECT is not supported"
                                + " in a job script: its result would go nowhere (and run as a second job); write it to"
                                + " a table with INSERT INTO\"},\"statements\":["
                                + "{\"kind\":\"CREATE_TABLE\",\"line\":1,\"column\":1,\"endLine\":1,\"endColumn\":57,"
                                + "\"text\":\"CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen')\"},"
                                + "{\"kind\":\"SELECT\",\"line\":2,\"column\":1,\"endLine\":2,\"endColumn\":15,"
                                + "\"text\":\"SELECT * FROM t\"}]}\n");
    }

    @Test
    void otherRefusals() throws Exception {
        String table = "CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n";
        assertThat(run("--check", write(table + "CREATE TABLE u WITH ('connector' = 'blackhole') AS SELECT 1 AS x;")).out())
                .contains("\"message\":\"CREATE_TABLE_AS is not supported in a job script: it would run as a job of its own;");
        assertThat(run("--check", write(table + "BEGIN STATEMENT SET;\nINSERT INTO t SELECT 1;\nEND;")).out())
                .contains("\"line\":2,\"column\":1,\"message\":\"BEGIN STATEMENT SET; ... END; is SQL client syntax;");
        assertThat(run("--check", write(table + "INSERT INTO t SELECT 1;\nSHOW TABLES;")).out())
                .contains("\"line\":3,\"column\":1,\"message\":\"SHOW TABLES is not supported in a job script");
        assertThat(run("--check", write(table + "INSERT INTO t SELECT 1;\nSET;")).out())
                .contains("\"line\":3,\"column\":1,\"message\":\"SET without 'key' = 'value' lists the configuration");
        assertThat(run("--check", write(table + "INSERT INTO t SELECT 1;\nEXPLAIN SELECT 1;")).out())
                .contains("\"message\":\"EXPLAIN is not supported in a job script: its output would go nowhere\"");
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
    void theScriptArgumentMayBeNamed() throws Exception {
        Run run = run("--check", "--script", write(SCRIPT));
        assertThat(run.rc()).isZero();
        assertThat(run.out()).startsWith("{\"ok\":true,\"validated\":true,");
    }

    @Test
    void runModeRefusesAScriptWhoseSha256IsNotTheOneGivenBeforeAnyFlink() throws Exception {
        String file = write(SCRIPT);
        // The SHA-256 of another version of the script: the image and the spec disagree.
        String other = SqlRunner.sha256Hex((SCRIPT + "-- changed\n").getBytes(StandardCharsets.UTF_8));
        String actual = SqlRunner.sha256Hex(Files.readAllBytes(Path.of(file)));
        assertThat(actual).isNotEqualTo(other).hasSize(64);

        Run run = run("--script", file, "--sha256", other);

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .isEqualTo(
                        "flinkship-sql-runner: the script "
                                + file
                                + " is not the one this deploy runs: its sha256 is "
                                + actual
                                + ", the spec's script's is "
                                + other
                                + ". The image was built from another version of the script: deploy the image"
                                + " built from this spec's commit (flinkship build), or the spec the image was"
                                + " built from (its label dev.flinkship.sql.digest)\n");

        Run malformed = run("--script", file, "--sha256", "sha256:" + actual);
        assertThat(malformed.rc()).isEqualTo(2);
        assertThat(malformed.err())
                .isEqualTo(
                        "flinkship-sql-runner: --sha256: found \"sha256:"
                                + actual
                                + "\"; expected the script's SHA-256 as 64 lowercase hex digits\n");

        // The digest is for run mode only.
        Run check = run("--check", file, "--sha256", actual);
        assertThat(check.rc()).isEqualTo(2);
        assertThat(check.err()).startsWith("flinkship-sql-runner: unexpected arguments --check ");
    }

    @Test
    void argumentMistakesAreOneLineOnStderrAndExitCode2() throws Exception {
        Run none = run();
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.out()).isEmpty();
        assertThat(none.err())
                .isEqualTo(
                        "flinkship-sql-runner: no arguments; usage: SqlRunner --script <job.sql> [--sha256 <hex>] | --check [--script] <job.sql>\n");

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
