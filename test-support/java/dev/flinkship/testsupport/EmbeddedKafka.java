package dev.flinkship.testsupport;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.MetaProperties;
import kafka.tools.StorageTool;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) from the Maven Central jars
 * (org.apache.kafka:kafka_2.13), in this JVM, listening on 127.0.0.1 on free ports. Start it,
 * use {@link #bootstrapServers()}, close it.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats a log directory under {@code dir} and starts the node. Ports are picked free just
     * before the start; if another process takes one in between, it retries with new ports.
     */
    public static EmbeddedKafka start(Path dir) throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path logDir = dir.resolve("attempt-" + attempt);
            Files.createDirectories(logDir);
            int brokerPort = freePort();
            int controllerPort = freePort();
            KafkaRaftServer server = null;
            try {
                Properties props = props(logDir, brokerPort, controllerPort);
                format(logDir);
                server =
                        new KafkaRaftServer(
                                KafkaConfig.fromProps(props, false),
                                Time.SYSTEM,
                                scala.Option.empty());
                server.startup();
                String bootstrap = "127.0.0.1:" + brokerPort;
                awaitReady(bootstrap);
                return new EmbeddedKafka(server, bootstrap);
            } catch (Exception e) {
                last = e;
                if (server != null) {
                    stop(server);
                }
            }
        }
        throw new IllegalStateException(
                "Kafka did not start in " + START_ATTEMPTS + " attempts", last);
    }

    private static Properties props(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        return p;
    }

    /** kafka-storage format: a fresh cluster id and meta.properties for node 1. */
    private static void format(Path logDir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc =
                StorageTool.formatCommand(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        scala.jdk.javaapi.CollectionConverters.asScala(List.of(logDir.toString()))
                                .toList(),
                        new MetaProperties(Uuid.randomUuid().toString(), 1),
                        MetadataVersion.latest(),
                        false);
        if (rc != 0) {
            throw new IllegalStateException(
                    "kafka-storage format failed (" + rc + "): " + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static void awaitReady(String bootstrap) throws Exception {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                try {
                    int nodes =
                            admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (nodes == 1) {
                        return;
                    }
                } catch (Exception e) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IllegalStateException(
                                "Kafka at " + bootstrap + " not ready after " + READY_TIMEOUT, e);
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(
                            "Kafka at " + bootstrap + " not ready after " + READY_TIMEOUT);
                }
                Thread.sleep(100);
            }
        }
    }

    public static Admin admin(String bootstrap) {
        return Admin.create(
                Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Sends the values to {@code topic}, round-robin over its {@code partitions}, and waits. */
    public void produce(String topic, int partitions, List<String> values) throws Exception {
        Map<String, Object> conf =
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(conf)) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** What a read_committed consumer of {@code topic} saw, and the topic's end offsets. */
    public static final class Read {
        public final List<String> values;
        public final long endOffsets;

        Read(List<String> values, long endOffsets) {
            this.values = values;
            this.endOffsets = endOffsets;
        }
    }

    /**
     * Reads {@code topic} from the start with isolation.level=read_committed until {@code
     * expected} records came (or {@code timeout} passed), then for {@code settle} more to catch
     * extra records.
     */
    public Read readCommitted(String topic, int expected, Duration timeout, Duration settle) {
        Map<String, Object> conf =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(conf)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plus(timeout);
            Instant settled = null;
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                if (values.size() >= expected && settled == null) {
                    settled = Instant.now().plus(settle);
                }
                if (settled != null && Instant.now().isAfter(settled)) {
                    break;
                }
            }
            long end =
                    consumer.endOffsets(partitions).values().stream()
                            .mapToLong(Long::longValue)
                            .sum();
            return new Read(values, end);
        }
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    @Override
    public void close() {
        stop(server);
    }
}
