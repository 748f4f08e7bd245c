package dev.flinkship.sqlrunner;

import dev.flinkship.testsupport.EmbeddedKafka;
import dev.flinkship.testsupport.MiniClusters;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stateful SQL job (first row per key: a deduplication) over Kafka, stopped with a savepoint
 * and started again from it with the same SQL: the keys seen before the stop are still known
 * after it, so their new rows are dropped, and the source goes on from the saved offsets.
 */
class SavepointRestoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @TempDir static Path kafkaDir;

    private static EmbeddedKafka kafka;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.miniCluster(InMemoryReporter.create(), 2);

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(kafkaDir);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    static String script(String bootstrap, String input, String output, String groupId) {
        return "SET 'parallelism.default' = '1';\n"
                + "CREATE TABLE events (id STRING, v INT, pt AS PROCTIME()) WITH (\n"
                + "  'connector' = 'kafka', 'topic' = '" + input + "',\n"
                + "  'properties.bootstrap.servers' = '" + bootstrap + "',\n"
                + "  'properties.group.id' = '" + groupId + "',\n"
                + "  'scan.startup.mode' = 'earliest-offset',\n"
                + "  'format' = 'json');\n"
                + "CREATE TABLE first_seen (id STRING, v INT) WITH (\n"
                + "  'connector' = 'kafka', 'topic' = '" + output + "',\n"
                + "  'properties.bootstrap.servers' = '" + bootstrap + "',\n"
                + "  'format' = 'json');\n"
                + "INSERT INTO first_seen\n"
                + "SELECT id, v FROM (\n"
                + "  SELECT id, v, ROW_NUMBER() OVER (PARTITION BY id ORDER BY pt ASC) AS rn FROM events)\n"
                + "WHERE rn = 1;\n";
    }

    private static String event(String id, int v) {
        return "{\"id\":\"" + id + "\",\"v\":" + v + "}";
    }

    private static TableResult run(String sql, Map<String, String> configuration) throws Exception {
        return TableRunner.run(
                Script.split(sql),
                configuration,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void theDeduplicationStateSurvivesAStopWithSavepointAndARestartWithTheSameSql(
            @InjectClusterClient ClusterClient<?> client,
            @InjectMiniCluster MiniCluster miniCluster,
            @TempDir Path savepoints)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "events-" + run;
        String output = "first-seen-" + run;
        kafka.createTopic(input, 1);
        kafka.createTopic(output, 1);
        String sql = script(kafka.bootstrapServers(), input, output, "g-" + run);

        // Run 1: a, b and a again: a and b come out.
        kafka.produce(input, 1, List.of(event("a", 1), event("b", 2), event("a", 3)));
        JobID job1 = run(sql, Map.of()).getJobClient().orElseThrow().getJobID();
        MiniClusters.awaitAllTasksRunning(miniCluster, job1, TIMEOUT);
        assertThat(kafka.readCommitted(output, 2, TIMEOUT, SETTLE).values)
                .containsExactly(event("a", 1), event("b", 2));
        String savepoint =
                MiniClusters.stopWithSavepoint(client, job1, savepoints.toUri().toString(), TIMEOUT);

        // Between the runs: a and b again, and a new c last.
        kafka.produce(input, 1, List.of(event("a", 4), event("b", 5), event("c", 6)));

        // Run 2: the same SQL from the savepoint (as `flink run-application -s` sets it; every
        // piece of state must find its operator: execution.state-recovery.ignore-unclaimed-state
        // stays false). Only c is new.
        JobID job2 =
                run(sql, Map.of("execution.state-recovery.path", savepoint))
                        .getJobClient()
                        .orElseThrow()
                        .getJobID();
        MiniClusters.awaitAllTasksRunning(miniCluster, job2, TIMEOUT);
        EmbeddedKafka.Read read = kafka.readCommitted(output, 3, TIMEOUT, SETTLE);
        assertThat(read.values).containsExactly(event("a", 1), event("b", 2), event("c", 6));
        assertThat(read.endOffsets).isEqualTo(3);
        client.cancel(job2).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void withoutTheSavepointTheSameSqlStartsOverAndEmitsEverythingAgain(
            @InjectClusterClient ClusterClient<?> client,
            @InjectMiniCluster MiniCluster miniCluster,
            @TempDir Path savepoints)
            throws Exception {
        // The control for the test above: the same runs, but run 2 starts without the savepoint.
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "events-" + run;
        String output = "first-seen-" + run;
        kafka.createTopic(input, 1);
        kafka.createTopic(output, 1);
        String sql = script(kafka.bootstrapServers(), input, output, "g-" + run);

        kafka.produce(input, 1, List.of(event("a", 1), event("b", 2), event("a", 3)));
        JobID job1 = run(sql, Map.of()).getJobClient().orElseThrow().getJobID();
        MiniClusters.awaitAllTasksRunning(miniCluster, job1, TIMEOUT);
        assertThat(kafka.readCommitted(output, 2, TIMEOUT, SETTLE).values).hasSize(2);
        MiniClusters.stopWithSavepoint(client, job1, savepoints.toUri().toString(), TIMEOUT);
        kafka.produce(input, 1, List.of(event("a", 4), event("b", 5), event("c", 6)));

        JobID job2 = run(sql, Map.of()).getJobClient().orElseThrow().getJobID();
        MiniClusters.awaitAllTasksRunning(miniCluster, job2, TIMEOUT);
        EmbeddedKafka.Read read = kafka.readCommitted(output, 5, TIMEOUT, SETTLE);
        assertThat(read.values)
                .containsExactly(event("a", 1), event("b", 2), event("a", 1), event("b", 2), event("c", 6));
        client.cancel(job2).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
