package dev.flinkship.sqlrunner;

import dev.flinkship.testsupport.EmbeddedKafka;
import dev.flinkship.testsupport.MiniClusters;

import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.table.api.TableResult;
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
 * A SQL job from a JSON topic to a JSON topic of a real Kafka broker (the kafka connector on the
 * class path as a job's connector jar would be, flink-json), run by the runner's run path: records counted exactly.
 */
class KafkaSqlTest {

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
                + "CREATE TABLE orders (id BIGINT, item STRING, qty INT) WITH (\n"
                + "  'connector' = 'kafka',\n"
                + "  'topic' = '" + input + "',\n"
                + "  'properties.bootstrap.servers' = '" + bootstrap + "',\n"
                + "  'properties.group.id' = '" + groupId + "',\n"
                + "  'scan.startup.mode' = 'earliest-offset',\n"
                + "  'scan.bounded.mode' = 'latest-offset',\n"
                + "  'format' = 'json'\n"
                + ");\n"
                + "CREATE TABLE big_orders (id BIGINT, item STRING, qty INT) WITH (\n"
                + "  'connector' = 'kafka',\n"
                + "  'topic' = '" + output + "',\n"
                + "  'properties.bootstrap.servers' = '" + bootstrap + "',\n"
                + "  'format' = 'json'\n"
                + ");\n"
                + "-- orders of at least 10; item names upper-cased\n"
                + "INSERT INTO big_orders SELECT id, UPPER(item), qty FROM orders WHERE qty >= 10;\n";
    }

    @Test
    void readsJsonFromOneTopicAndWritesJsonToAnother() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "orders-" + run;
        String output = "big-orders-" + run;
        kafka.createTopic(input, 2);
        kafka.createTopic(output, 1);
        kafka.produce(
                input,
                2,
                List.of(
                        "{\"id\":1,\"item\":\"apple\",\"qty\":10}",
                        "{\"id\":2,\"item\":\"pear\",\"qty\":3}",
                        "{\"id\":3,\"item\":\"plum\",\"qty\":12}",
                        "{\"id\":4,\"item\":\"fig\",\"qty\":9}",
                        "{\"id\":5,\"item\":\"kiwi\",\"qty\":100}",
                        "{\"id\":6,\"item\":\"lime\",\"qty\":1}",
                        "{\"id\":7,\"item\":\"date\",\"qty\":11}"));

        TableResult result =
                TableRunner.run(
                        Script.split(script(kafka.bootstrapServers(), input, output, "g-" + run)),
                        Map.of(),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        // Bounded by the offsets at the start: the job finishes.
        result.getJobClient().orElseThrow().getJobExecutionResult().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        EmbeddedKafka.Read read = kafka.readCommitted(output, 4, TIMEOUT, SETTLE);
        assertThat(read.values)
                .containsExactlyInAnyOrder(
                        "{\"id\":1,\"item\":\"APPLE\",\"qty\":10}",
                        "{\"id\":3,\"item\":\"PLUM\",\"qty\":12}",
                        "{\"id\":5,\"item\":\"KIWI\",\"qty\":100}",
                        "{\"id\":7,\"item\":\"DATE\",\"qty\":11}");
        assertThat(read.endOffsets).isEqualTo(4);
    }
}
