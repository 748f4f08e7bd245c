package dev.flinkship.testbed;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.Collector;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Flink REST endpoint of the Flinkship testbed: a MiniCluster (JobManager, one TaskManager and
 * the REST API, in this one JVM) that runs one small stateful streaming job, so that the toolkit's
 * Flink REST executor meets the real thing: job overview, checkpoints, stop-with-savepoint.
 *
 * <p>The job: a rate-limited unbounded sequence, keyed by value mod 8, counted per key in keyed
 * ValueState, into a discarding sink; checkpoints every 2 s; every operator has a uid.
 *
 * <p>When the job reaches a terminal state (after `POST /jobs/:id/stop`, a cancel or a failure),
 * the program submits it again as a new job (new job id), restored from the newest savepoint under
 * the savepoint directory if there is one, so the endpoint stays usable for the next test. It does
 * so at most --max-submissions times in all; after that it only serves REST until it is terminated.
 *
 * <p>Arguments (all optional): --rest-address 127.0.0.1 --rest-port 18081 --state-dir DIR
 * --max-submissions 50 --parallelism 2 --checkpoint-interval-ms 2000 --records-per-second 50
 */
public final class TestbedMiniCluster {

    static final String JOB_NAME = "flinkship-testbed-counter";

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        String restAddress = args.getOrDefault("rest-address", "127.0.0.1");
        int restPort = Integer.parseInt(args.getOrDefault("rest-port", "18081"));
        Path stateDir = Path.of(args.getOrDefault("state-dir", "flink-state")).toAbsolutePath();
        int maxSubmissions = Integer.parseInt(args.getOrDefault("max-submissions", "50"));
        int parallelism = Integer.parseInt(args.getOrDefault("parallelism", "2"));
        long checkpointIntervalMs = Long.parseLong(args.getOrDefault("checkpoint-interval-ms", "2000"));
        double recordsPerSecond = Double.parseDouble(args.getOrDefault("records-per-second", "50"));

        Path checkpoints = stateDir.resolve("checkpoints");
        Path savepoints = stateDir.resolve("savepoints");
        Files.createDirectories(checkpoints);
        Files.createDirectories(savepoints);

        Configuration conf = new Configuration();
        // Everything that listens binds to the loopback address only.
        conf.setString("rest.address", restAddress);
        conf.setString("rest.bind-address", restAddress);
        conf.setString("rest.bind-port", Integer.toString(restPort));
        conf.setString("jobmanager.bind-host", restAddress);
        conf.setString("jobmanager.rpc.address", restAddress);
        conf.setString("taskmanager.bind-host", restAddress);
        conf.setString("taskmanager.host", restAddress);
        conf.setString("state.backend.type", "hashmap");
        // state.checkpoints.dir, state.savepoints.dir and state.checkpoints.num-retained in 1.20's names.
        conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", savepoints.toUri().toString());
        conf.setString("execution.checkpointing.num-retained", "3");
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.setString("restart-strategy.type", "fixed-delay");
        conf.setString("restart-strategy.fixed-delay.attempts", "10");
        conf.setString("restart-strategy.fixed-delay.delay", "1 s");
        conf.setString("taskmanager.memory.managed.size", "64m");
        conf.setString("taskmanager.memory.network.min", "32m");
        conf.setString("taskmanager.memory.network.max", "32m");

        MiniClusterConfiguration clusterConf =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(Math.max(parallelism, 1) * 2)
                        .build();
        MiniCluster cluster = new MiniCluster(clusterConf);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shuttingDown = new AtomicBoolean(false);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    shuttingDown.set(true);
                                    log("shutting down the MiniCluster");
                                    try {
                                        cluster.closeAsync().get(20, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        log("MiniCluster shutdown: " + e);
                                    }
                                    stopped.countDown();
                                },
                                "testbed-minicluster-shutdown"));
        cluster.start();
        log("REST endpoint at " + cluster.getRestAddress().get());

        Set<Path> unusableSavepoints = new HashSet<>();
        for (int submission = 1; submission <= maxSubmissions && !shuttingDown.get(); submission++) {
            Optional<Path> savepoint = newestSavepoint(savepoints, unusableSavepoints);
            JobGraph jobGraph =
                    buildJob(conf, parallelism, checkpointIntervalMs, recordsPerSecond);
            savepoint.ifPresent(
                    p ->
                            jobGraph.setSavepointRestoreSettings(
                                    SavepointRestoreSettings.forPath(p.toUri().toString(), false)));
            JobID jobId = cluster.submitJob(jobGraph).get().getJobID();
            log(
                    "submission "
                            + submission
                            + "/"
                            + maxSubmissions
                            + ": job "
                            + jobId
                            + (savepoint.isPresent() ? " restored from " + savepoint.get() : " (no savepoint)"));
            JobResult result;
            try {
                result = cluster.requestJobResult(jobId).get();
            } catch (ExecutionException e) {
                if (shuttingDown.get()) {
                    break;
                }
                throw e;
            }
            log("job " + jobId + " ended: " + result.getApplicationStatus());
            if (result.getApplicationStatus() == ApplicationStatus.FAILED && savepoint.isPresent()) {
                // Do not loop on a savepoint the job cannot start from.
                unusableSavepoints.add(savepoint.get());
            }
            if (shuttingDown.get()) {
                break;
            }
            if (submission < maxSubmissions) {
                Thread.sleep(1000);
            }
        }
        if (!shuttingDown.get()) {
            log("reached " + maxSubmissions + " submissions; serving REST only until terminated");
        }
        stopped.await();
    }

    static JobGraph buildJob(
            Configuration clusterConf, int parallelism, long checkpointIntervalMs, double recordsPerSecond) {
        Configuration jobConf = new Configuration(clusterConf);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
        env.setParallelism(parallelism);
        env.setMaxParallelism(128);
        env.enableCheckpointing(checkpointIntervalMs);

        DataGeneratorSource<Long> source =
                new DataGeneratorSource<>(
                        index -> index,
                        Long.MAX_VALUE,
                        RateLimiterStrategy.perSecond(recordsPerSecond),
                        Types.LONG);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
                .uid("sequence")
                .keyBy(value -> value % 8, Types.LONG)
                .process(new CountPerKey())
                .uid("count-per-key")
                .name("count-per-key")
                .sinkTo(new DiscardingSink<>())
                .uid("discard")
                .name("discard");
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(JOB_NAME);
        return streamGraph.getJobGraph();
    }

    /** Counts the records per key in keyed state and emits the running count. */
    static final class CountPerKey extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
            Long current = count.value();
            long next = current == null ? 1L : current + 1L;
            count.update(next);
            out.collect(next);
        }
    }

    /** The newest savepoint (a savepoint-* directory with a _metadata file) under dir, not excluded. */
    static Optional<Path> newestSavepoint(Path dir, Set<Path> excluded) {
        File[] candidates = dir.toFile().listFiles(f -> f.isDirectory() && f.getName().startsWith("savepoint-"));
        if (candidates == null) {
            return Optional.empty();
        }
        return Arrays.stream(candidates)
                .map(File::toPath)
                .filter(p -> Files.isRegularFile(p.resolve("_metadata")) && !excluded.contains(p))
                .max(Comparator.comparingLong(p -> p.resolve("_metadata").toFile().lastModified()));
    }

    static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", argv));
            }
            args.put(argv[i].substring(2), argv[++i]);
        }
        return args;
    }

    static void log(String message) {
        System.out.println(Instant.now() + " testbed-minicluster: " + message);
    }

    private TestbedMiniCluster() {}
}
