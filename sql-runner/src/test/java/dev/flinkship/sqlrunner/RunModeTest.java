package dev.flinkship.sqlrunner;

import dev.flinkship.testsupport.MiniClusters;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Run mode on a MiniCluster: a bounded datagen → print script through the runner's run path (the
 * print connector writes to the TaskManager's stdout, this JVM's System.out here), two INSERTs,
 * one job; and the refusals and failures, which submit nothing.
 */
class RunModeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.miniCluster(InMemoryReporter.create(), 2);

    @TempDir Path dir;

    static final String DATAGEN_TO_PRINT =
            "-- Two INSERTs; the runner runs them as one job.\n"
                    + "SET 'parallelism.default' = '1';\n"
                    + "SET 'pipeline.name' = 'flinkship-datagen-to-print';\n"
                    + "SET 'my.password' = 'hunter2';\n"
                    + "CREATE TABLE numbers (id BIGINT) WITH (\n"
                    + "  'connector' = 'datagen',\n"
                    + "  'number-of-rows' = '5',\n"
                    + "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5'\n"
                    + ");\n"
                    + "CREATE TABLE printed (id BIGINT, label STRING)\n"
                    + "  WITH ('connector' = 'print', 'print-identifier' = 'rows');\n"
                    + "CREATE TEMPORARY VIEW labelled AS SELECT id, CONCAT('n;', CAST(id AS STRING)) AS label FROM numbers;\n"
                    + "CREATE TABLE evens (id BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'evens');\n"
                    + "INSERT INTO printed SELECT * FROM labelled;\n"
                    + "INSERT INTO evens SELECT id FROM numbers WHERE MOD(id, 2) = 0;\n";

    private static Collection<JobStatusMessage> jobs(ClusterClient<?> client) throws Exception {
        return client.listJobs().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes to both streams: what the print connector writes stays visible in the test log. */
    private static PrintStream tee(OutputStream a, OutputStream b) {
        return new PrintStream(
                new OutputStream() {
                    @Override
                    public void write(int c) throws java.io.IOException {
                        a.write(c);
                        b.write(c);
                    }

                    @Override
                    public void write(byte[] buf, int off, int len) throws java.io.IOException {
                        a.write(buf, off, len);
                        b.write(buf, off, len);
                    }
                },
                true,
                StandardCharsets.UTF_8);
    }

    @Test
    void datagenToPrintRunsBothInsertsAsOneJob(@InjectClusterClient ClusterClient<?> client) throws Exception {
        int before = jobs(client).size();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(tee(original, stdout));
        try {
            TableResult result =
                    TableRunner.run(
                            Script.split(DATAGEN_TO_PRINT),
                            Map.of(),
                            new PrintStream(log, true, StandardCharsets.UTF_8));
            result.getJobClient()
                    .orElseThrow()
                    .getJobExecutionResult()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            System.setOut(original);
        }

        List<String> printed =
                stdout.toString(StandardCharsets.UTF_8)
                        .lines()
                        .filter(l -> l.startsWith("rows>") || l.startsWith("evens>"))
                        .collect(Collectors.toList());
        assertThat(printed)
                .containsExactlyInAnyOrder(
                        "rows> +I[1, n;1]",
                        "rows> +I[2, n;2]",
                        "rows> +I[3, n;3]",
                        "rows> +I[4, n;4]",
                        "rows> +I[5, n;5]",
                        "evens> +I[2]",
                        "evens> +I[4]");

        Collection<JobStatusMessage> after = jobs(client);
        assertThat(after).hasSize(before + 1);
        assertThat(after)
                .filteredOn(j -> j.getJobName().equals("flinkship-datagen-to-print"))
                .singleElement()
                .satisfies(j -> assertThat(j.getJobState()).isEqualTo(JobStatus.FINISHED));

        String jobId = result(log);
        assertThat(log.toString(StandardCharsets.UTF_8).lines())
                .containsExactly(
                        "flinkship-sql-runner: line 2, column 1: SET 'parallelism.default' = '1'",
                        "flinkship-sql-runner: line 3, column 1: SET 'pipeline.name' = 'flinkship-datagen-to-print'",
                        "flinkship-sql-runner: line 4, column 1: SET 'my.password' = '******'",
                        "flinkship-sql-runner: line 5, column 1: CREATE_TABLE",
                        "flinkship-sql-runner: line 10, column 1: CREATE_TABLE",
                        "flinkship-sql-runner: line 12, column 1: CREATE_VIEW",
                        "flinkship-sql-runner: line 13, column 1: CREATE_TABLE",
                        "flinkship-sql-runner: line 14, column 1: INSERT (added to the job)",
                        "flinkship-sql-runner: line 15, column 1: INSERT (added to the job)",
                        "flinkship-sql-runner: submitting 2 INSERT statement(s) as one job",
                        "flinkship-sql-runner: job " + jobId + " submitted");
    }

    @Test
    void theInsertsOfAStatementSetAndATopLevelInsertRunAsOneJob(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        int before = jobs(client).size();
        String sql =
                "SET 'parallelism.default' = '1';\n"
                        + "CREATE TABLE numbers (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3',\n"
                        + "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');\n"
                        + "CREATE TABLE a (id BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'set-a');\n"
                        + "CREATE TABLE b (id BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'set-b');\n"
                        + "CREATE TABLE c (id BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'top-c');\n"
                        + "EXECUTE STATEMENT SET BEGIN\n"
                        + "  INSERT INTO a SELECT id FROM numbers WHERE id = 1;\n"
                        + "  INSERT INTO b SELECT id * 10 FROM numbers;\n"
                        + "END;\n"
                        + "INSERT INTO c SELECT id FROM numbers WHERE id > 1;\n";
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(tee(original, stdout));
        try {
            TableRunner.run(Script.split(sql), Map.of(), new PrintStream(new ByteArrayOutputStream()))
                    .getJobClient()
                    .orElseThrow()
                    .getJobExecutionResult()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            System.setOut(original);
        }

        assertThat(stdout.toString(StandardCharsets.UTF_8).lines())
                .filteredOn(l -> l.startsWith("set-") || l.startsWith("top-"))
                .containsExactlyInAnyOrder(
                        "set-a> +I[1]", "set-b> +I[10]", "set-b> +I[20]", "set-b> +I[30]", "top-c> +I[2]", "top-c> +I[3]");
        assertThat(jobs(client)).hasSize(before + 1);
    }

    private static String result(ByteArrayOutputStream log) {
        String last = log.toString(StandardCharsets.UTF_8).strip().lines().reduce((a, b) -> b).orElse("");
        return last.replaceAll("^flinkship-sql-runner: job ([0-9a-f]{32}) submitted$", "$1");
    }

    @Test
    void aScriptWithoutInsertIsRefusedWithExitCode2AndNoJob(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        int before = jobs(client).size();
        Path file = dir.resolve("no-insert.sql");
        Files.writeString(file, "SET 'parallelism.default' = '1';\nCREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen');\n");

        CheckModeTest.Run run = CheckModeTest.run("--script", file.toString());

        assertThat(run.rc()).isEqualTo(2);
        // Each statement is logged as Flink's planner reads it: kind and position, never its text.
        assertThat(run.out())
                .isEqualTo(
                        "flinkship-sql-runner: line 1, column 1: SET 'parallelism.default' = '1'\n"
                                + "flinkship-sql-runner: line 2, column 1: CREATE_TABLE\n");
        assertThat(run.err())
                .isEqualTo(
                        "flinkship-sql-runner: the script has no INSERT statement: a job script writes to at"
                                + " least one table with INSERT INTO (or EXECUTE STATEMENT SET BEGIN INSERT ...; END;)\n");
        assertThat(jobs(client)).hasSize(before);
    }

    @Test
    void aSelectIsRefusedAtItsLineWithExitCode2AndNoJob(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        int before = jobs(client).size();
        Path file = dir.resolve("select.sql");
        Files.writeString(
                file,
                "CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n"
                        + "CREATE TABLE b (id BIGINT) WITH ('connector' = 'blackhole');\n"
                        + "INSERT INTO b SELECT * FROM t;\n"
                        + "SELECT * FROM t;\n");

        CheckModeTest.Run run = CheckModeTest.run("--script", file.toString());

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out())
                .isEqualTo(
                        "flinkship-sql-runner: line 1, column 1: CREATE_TABLE\n"
                                + "flinkship-sql-runner: line 2, column 1: CREATE_TABLE\n"
                                + "flinkship-sql-runner: line 3, column 1: INSERT (added to the job)\n");
        assertThat(run.err())
                .startsWith("flinkship-sql-runner: line 4, column 1: SELECT is not supported in a job script")
                .hasLineCount(1);
        assertThat(jobs(client)).hasSize(before);
    }

    @Test
    void aFailingStatementIsOneMessageAtItsLine() throws Exception {
        Path file = dir.resolve("bad.sql");
        Files.writeString(
                file,
                "CREATE TABLE b (id BIGINT) WITH ('connector' = 'blackhole');\n\n  INSERT INTO b SELECT x FROM nowhere;\n");

        CheckModeTest.Run run = CheckModeTest.run("--script", file.toString());

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo(
                        "flinkship-sql-runner: line 3, column 3: SQL validation failed. From line 3, column 31"
                                + " to line 3, column 37: Object 'nowhere' not found\n");
    }

    @Test
    void aSinkThatCannotBeCreatedIsReportedAtItsInsert(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        int before = jobs(client).size();
        Path file = dir.resolve("no-sink.sql");
        Files.writeString(
                file,
                "CREATE TABLE n (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n"
                        + "CREATE TABLE b (id BIGINT) WITH ('connector' = 'blackhole');\n"
                        + "CREATE TABLE x (id BIGINT) WITH ('connector' = 'not-here');\n"
                        + "INSERT INTO b SELECT id FROM n;\n"
                        + "EXECUTE STATEMENT SET BEGIN\n  INSERT INTO b SELECT id FROM n;\n  INSERT INTO x SELECT id FROM n;\nEND;\n");

        CheckModeTest.Run run = CheckModeTest.run("--script", file.toString());

        assertThat(run.rc()).isEqualTo(2);
        assertThat(run.out()).endsWith("flinkship-sql-runner: submitting 3 INSERT statement(s) as one job\n");
        assertThat(run.err())
                .startsWith(
                        "flinkship-sql-runner: line 7, column 3: INSERT failed: Unable to create a sink for writing"
                                + " table 'default_catalog.default_database.x'.")
                .contains("Could not find any factory for identifier 'not-here'");
        assertThat(jobs(client)).hasSize(before);
    }
}
