package dev.flinkship.testsupport;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared pieces of the MiniCluster tests. */
public final class MiniClusters {

    private MiniClusters() {}

    /** A MiniCluster with one TaskManager of {@code slots} slots that reports to {@code reporter}. */
    public static MiniClusterExtension miniCluster(InMemoryReporter reporter, int slots) {
        Configuration conf = new Configuration();
        reporter.addToConfiguration(conf);
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /** The sum over all subtasks of the counter named {@code name} in job {@code jobId}. */
    public static long counterSum(InMemoryReporter reporter, JobID jobId, String name) {
        long sum = 0;
        int found = 0;
        for (var entry : reporter.findMetrics(jobId, name).entrySet()) {
            if (!entry.getKey().endsWith("." + name)) {
                continue;
            }
            Metric metric = entry.getValue();
            if (metric instanceof Counter) {
                sum += ((Counter) metric).getCount();
                found++;
            }
        }
        if (found == 0) {
            throw new AssertionError("no counter " + name + " reported for job " + jobId);
        }
        return sum;
    }

    /**
     * Stops the job with a savepoint and returns its path. Flink refuses the savepoint with "Not all
     * required tasks are currently running" while a subtask is still switching state, which can happen
     * on a loaded machine right after {@link #awaitAllTasksRunning} saw every subtask RUNNING; that
     * answer is retried, at most 20 times and within {@code timeout}. Any other failure is not.
     */
    public static String stopWithSavepoint(ClusterClient<?> client, JobID job, String dir, Duration timeout)
            throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        for (int attempt = 1; ; attempt++) {
            long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
            try {
                return client.stopWithSavepoint(job, false, dir, SavepointFormatType.CANONICAL)
                        .get(left, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                boolean notYetRunning =
                        ExceptionUtils.findThrowableWithMessage(
                                        e, "Not all required tasks are currently running")
                                .isPresent();
                if (!notYetRunning || attempt >= 20 || Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    /**
     * Waits until every subtask of the job is RUNNING (the job's own status turns RUNNING
     * earlier, while subtasks are still deploying or restoring state), as a savepoint needs.
     */
    public static void awaitAllTasksRunning(MiniCluster miniCluster, JobID job, Duration timeout)
            throws InterruptedException {
        waitUntil(
                "all tasks of job " + job + " RUNNING",
                timeout,
                () -> {
                    try {
                        AccessExecutionGraph graph = miniCluster.getExecutionGraph(job).get();
                        for (AccessExecutionVertex v : graph.getAllExecutionVertices()) {
                            if (v.getExecutionState() != ExecutionState.RUNNING) {
                                return false;
                            }
                        }
                        return true;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot read the state of job " + job, e);
                    }
                });
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} passes. */
    public static void waitUntil(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
