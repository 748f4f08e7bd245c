package dev.flinkship.sqlrunner;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Flink side of the runner: a TableEnvironment on the execution environment of the context
 * (the application cluster's in run-application, a local one in check mode), the script's
 * statements in order, and all INSERTs in one StatementSet executed once: one job.
 */
public final class TableRunner {

    static final String PREFIX = "flinkship-sql-runner: ";

    private TableRunner() {}

    /**
     * Runs {@code script} (checked with {@link Script#checkRunnable()}) and returns the result of
     * its one job's submission. {@code configuration} is added to the context's configuration
     * before the script's SETs (the tests pass execution.state-recovery.path there, as the
     * cluster's configuration has it with {@code flink run-application -s}).
     */
    public static TableResult run(Script script, Map<String, String> configuration, PrintStream log)
            throws UserError {
        script.checkRunnable();
        TableEnvironment tEnv = create(script, configuration);
        StatementSet job = tEnv.createStatementSet();
        Set<String> setKeys = new LinkedHashSet<>();
        int inserts = 0;
        for (Statement s : script.statements()) {
            switch (s.kind()) {
                case "SET":
                    // Values of keys Flink treats as secrets (password, secret, token, ...) are hidden,
                    // as Flink hides them in its own logs.
                    String shown = GlobalConfiguration.isSensitive(s.key()) ? "******" : s.value();
                    log.println(PREFIX + s.position() + ": SET '" + s.key() + "' = '" + shown + "'");
                    apply(tEnv, s, setKeys);
                    break;
                case "RESET":
                    log.println(PREFIX + s.position() + ": RESET" + (s.key() == null ? "" : " '" + s.key() + "'"));
                    apply(tEnv, s, setKeys);
                    break;
                case "INSERT":
                    log.println(PREFIX + s.position() + ": INSERT (added to the job)");
                    addInsert(job, s);
                    inserts++;
                    break;
                case "STATEMENT_SET":
                    log.println(PREFIX + s.position() + ": STATEMENT_SET of " + s.inserts().size() + " INSERTs");
                    for (Statement insert : s.inserts()) {
                        log.println(PREFIX + insert.position() + ": INSERT (added to the job)");
                        addInsert(job, insert);
                        inserts++;
                    }
                    break;
                default:
                    log.println(PREFIX + s.position() + ": " + s.kind());
                    try {
                        tEnv.executeSql(s.text());
                    } catch (RuntimeException e) {
                        throw failed(s, e);
                    }
            }
        }
        log.println(PREFIX + "submitting " + inserts + " INSERT statement(s) as one job");
        TableResult result;
        try {
            result = job.execute();
        } catch (RuntimeException e) {
            throw new UserError("submitting the job failed: " + UserError.messageChain(e));
        }
        result.getJobClient()
                .ifPresent(c -> log.println(PREFIX + "job " + c.getJobID() + " submitted"));
        log.flush();
        return result;
    }

    /**
     * Check mode's validation: SETs applied, DDL executed into the in-memory catalog, INSERTs
     * planned with EXPLAIN (validated against the catalog, connectors created, no job).
     * A connector or format factory that is not on the class path is a warning, and ends the
     * validation (later statements may depend on what could not be created): returns false then.
     */
    static boolean validate(Script script, List<CheckMode.Warning> warnings) throws UserError {
        TableEnvironment tEnv = create(script, Map.of());
        Set<String> setKeys = new LinkedHashSet<>();
        for (Statement s : script.statements()) {
            try {
                switch (s.kind()) {
                    case "SET":
                    case "RESET":
                        apply(tEnv, s, setKeys);
                        break;
                    case "INSERT":
                        convert(tEnv, s);
                        break;
                    case "STATEMENT_SET":
                        for (Statement insert : s.inserts()) {
                            try {
                                convert(tEnv, insert);
                            } catch (RuntimeException e) {
                                throw new Failure(insert, e);
                            }
                        }
                        break;
                    case "ADD_JAR":
                    case "REMOVE_JAR":
                        // The jar's path is the cluster's; the check cannot load it.
                        warnings.add(
                                new CheckMode.Warning(
                                        s.line(),
                                        s.column(),
                                        "not validated from here on: " + s.kind().replace('_', ' ')
                                                + " refers to the cluster's files"));
                        return false;
                    default:
                        tEnv.executeSql(s.text());
                }
            } catch (Failure f) {
                if (!missing(f.getCause(), f.statement, warnings)) {
                    throw failed(f.statement, f.getCause());
                }
                return false;
            } catch (RuntimeException e) {
                if (!missing(e, s, warnings)) {
                    throw failed(s, e);
                }
                return false;
            }
        }
        return true;
    }

    private static final class Failure extends RuntimeException {
        final Statement statement;

        Failure(Statement statement, RuntimeException cause) {
            super(cause);
            this.statement = statement;
        }
    }

    private static boolean missing(Throwable e, Statement s, List<CheckMode.Warning> warnings) {
        String message = UserError.messageChain(e);
        boolean missing =
                message.contains("Could not find any factory for identifier")
                        || message.contains("Could not find any format factory")
                        || hasCause(e, ClassNotFoundException.class);
        if (missing) {
            warnings.add(
                    new CheckMode.Warning(
                            s.line(),
                            s.column(),
                            "not validated from here on (not on the check's class path): " + message));
        }
        return missing;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Plans the INSERT without running it (TableEnvironment#explainSql): validated against the
     * catalog, its source and sink created by their factories with the table options (no
     * connection is made by Flink's own connectors at planning time), optimized.
     */
    private static void convert(TableEnvironment tEnv, Statement insert) {
        tEnv.explainSql(insert.text());
    }

    /**
     * A streaming TableEnvironment. The SETs before the first other statement also go into its
     * creation settings, so that options read once at creation (execution.runtime-mode,
     * table.planner ...) take effect.
     */
    static TableEnvironment create(Script script, Map<String, String> configuration) {
        Map<String, String> conf = new LinkedHashMap<>(configuration);
        for (Statement s : script.statements()) {
            if (!s.kind().equals("SET")) {
                break;
            }
            conf.put(s.key(), s.value());
        }
        EnvironmentSettings settings =
                EnvironmentSettings.newInstance()
                        .inStreamingMode()
                        .withConfiguration(Configuration.fromMap(conf))
                        .build();
        return TableEnvironment.create(settings);
    }

    private static void apply(TableEnvironment tEnv, Statement s, Set<String> setKeys) throws UserError {
        try {
            if (s.kind().equals("SET")) {
                tEnv.getConfig().set(s.key(), s.value());
                setKeys.add(s.key());
            } else if (s.key() != null) {
                tEnv.getConfig().getConfiguration().removeKey(s.key());
                setKeys.remove(s.key());
            } else {
                for (String key : setKeys) {
                    tEnv.getConfig().getConfiguration().removeKey(key);
                }
                setKeys.clear();
            }
        } catch (RuntimeException e) {
            throw failed(s, e);
        }
    }

    private static void addInsert(StatementSet job, Statement insert) throws UserError {
        try {
            job.addInsertSql(insert.text());
        } catch (RuntimeException e) {
            throw failed(insert, e);
        }
    }

    private static UserError failed(Statement s, Throwable e) {
        return new UserError(s.kind() + " failed: " + UserError.messageChain(e), s.line(), s.column());
    }
}
