package dev.flinkship.sqlrunner;

import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;

import java.io.File;
import java.util.Arrays;

/**
 * Runs a job jar's entry class as Flink's client does (flink run; run-application does the same
 * on the JobManager): the jar in a child-first user-code class loader above the class path, the
 * context execution environment set, one job at most. Here the target is a local MiniCluster.
 *
 * <p>{@code AppLauncher <jar> <entry class> <args...>}
 */
public final class AppLauncher {

    private AppLauncher() {}

    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.set(DeploymentOptions.TARGET, LocalExecutor.NAME);
        conf.set(DeploymentOptions.ATTACHED, true);
        PackagedProgram program =
                PackagedProgram.newBuilder()
                        .setJarFile(new File(args[0]))
                        .setEntryPointClassName(args[1])
                        .setArguments(Arrays.copyOfRange(args, 2, args.length))
                        .setConfiguration(conf)
                        .build();
        // enforceSingleJobExecution: as in application mode, a second execute() would fail.
        ClientUtils.executeProgram(new DefaultExecutorServiceLoader(), conf, program, true, false);
    }
}
