package dev.flinkship.sqlrunner;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.SqlParserException;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.StatementSetOperation;
import org.apache.flink.table.operations.command.ResetOperation;
import org.apache.flink.table.operations.command.SetOperation;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Flink side of the runner. A TableEnvironment on the execution environment of the context
 * (the application cluster's in run-application, a local one in check mode); each statement's text
 * parsed in file order by the planner of the Flink the runner runs on ({@code
 * TableEnvironmentInternal#getParser().parse}); SET and RESET applied, DDL executed, every INSERT
 * collected; and all INSERTs executed at once: one job.
 */
public final class TableRunner {

    static final String PREFIX = "flinkship-sql-runner: ";

    private TableRunner() {}

    /**
     * Runs {@code script} and returns the result of its one job's submission. {@code configuration}
     * is added to the context's configuration before the script's SETs (the tests pass
     * execution.state-recovery.path there, as the cluster's configuration has it with {@code flink
     * run-application -s}). {@code log} gets one line per statement: its kind and position, never
     * its text (WITH options can hold secrets).
     */
    public static TableResult run(Script script, Map<String, String> configuration, PrintStream log)
            throws UserError, SetupError {
        Session session = new Session(script, create(script, configuration), log, new ArrayList<>());
        session.walk();
        log.println(PREFIX + "submitting " + session.inserts.size() + " INSERT statement(s) as one job");
        TableResult result;
        try {
            result = session.tEnv.executeInternal(session.inserts);
        } catch (RuntimeException e) {
            throw session.locate(e, "submitting the job failed: ");
        }
        result.getJobClient().ifPresent(c -> log.println(PREFIX + "job " + c.getJobID() + " submitted"));
        log.flush();
        return result;
    }

    /**
     * Check mode: the same pass over the script without a job. SETs applied, DDL executed into the
     * in-memory catalog, and every INSERT planned together as the job would be ({@code
     * explainInternal}: tables resolved, source and sink factories created from the table options,
     * optimized; Flink's connectors connect to nothing at planning time). {@code steps} receives
     * each statement the planner parsed, also when a later one fails.
     */
    static void check(Script script, List<Step> steps) throws UserError, SetupError {
        Session session = new Session(script, create(script, Map.of()), null, steps);
        session.walk();
        try {
            session.tEnv.explainInternal(new ArrayList<Operation>(session.inserts));
        } catch (RuntimeException e) {
            throw session.locate(e, "planning the job failed: ");
        }
    }

    /** One pass over a script with one TableEnvironment. */
    private static final class Session {
        final Script script;
        final TableEnvironmentInternal tEnv;
        /** Run mode's log; null in check mode. */
        final PrintStream log;
        final List<Step> steps;
        final List<ModifyOperation> inserts = new ArrayList<>();
        /** The statement of each of {@link #inserts}. */
        final List<Statement> insertStatements = new ArrayList<>();
        /** The keys the script set (a bare RESET removes these). */
        final Set<String> setKeys = new LinkedHashSet<>();

        Session(Script script, TableEnvironmentInternal tEnv, PrintStream log, List<Step> steps) {
            this.script = script;
            this.tEnv = tEnv;
            this.log = log;
            this.steps = steps;
        }

        void log(Statement s, String what) {
            if (log != null) {
                log.println(PREFIX + s.position() + ": " + what);
            }
        }

        void walk() throws UserError {
            for (Statement s : script.statements()) {
                Operation op = parse(s);
                String kind = Operations.kindOf(op);
                if (op instanceof StatementSetOperation) {
                    statementSet(s, ((StatementSetOperation) op).getOperations());
                    continue;
                }
                String key = null;
                String value = null;
                if (op instanceof SetOperation) {
                    key = ((SetOperation) op).getKey().orElse(null);
                    value = ((SetOperation) op).getValue().orElse(null);
                } else if (op instanceof ResetOperation) {
                    key = ((ResetOperation) op).getKey().orElse(null);
                }
                steps.add(new Step(kind, s, key, value, List.of()));
                switch (kind) {
                    case "SET":
                        if (key == null || value == null) {
                            throw new UserError(Operations.refusal(kind, op), s.line(), s.column());
                        }
                        // Values of keys Flink treats as secrets (password, secret, token, ...) are
                        // hidden, as Flink hides them in its own logs.
                        String shown = GlobalConfiguration.isSensitive(key) ? "******" : value;
                        log(s, "SET '" + key + "' = '" + shown + "'");
                        String setKey = key;
                        String setValue = value;
                        apply(s, kind, () -> {
                            tEnv.getConfig().set(setKey, setValue);
                            setKeys.add(setKey);
                        });
                        break;
                    case "RESET":
                        log(s, "RESET" + (key == null ? "" : " '" + key + "'"));
                        String resetKey = key;
                        apply(s, kind, () -> reset(resetKey));
                        break;
                    case "INSERT":
                        log(s, "INSERT (added to the job)");
                        inserts.add((ModifyOperation) op);
                        insertStatements.add(s);
                        break;
                    default:
                        if (!Operations.isExecuted(op)) {
                            throw new UserError(Operations.refusal(kind, op), s.line(), s.column());
                        }
                        log(s, kind);
                        try {
                            tEnv.executeInternal(op);
                        } catch (RuntimeException e) {
                            throw new UserError(kind + " failed: " + UserError.messageChain(e), s.line(), s.column());
                        }
                }
            }
            if (inserts.isEmpty()) {
                throw new UserError(
                        "the script has no INSERT statement: a job script writes to at least one table"
                                + " with INSERT INTO (or EXECUTE STATEMENT SET BEGIN INSERT ...; END;)");
            }
        }

        /** EXECUTE STATEMENT SET BEGIN ... END: its INSERTs join the job. */
        private void statementSet(Statement s, List<ModifyOperation> ops) throws UserError {
            List<Step> inner = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                // The split found the INSERTs between BEGIN and END; Flink's grammar allows nothing else.
                Statement at = s.inserts().size() == ops.size() ? s.inserts().get(i) : s;
                inner.add(new Step(Operations.kindOf(ops.get(i)), at, null, null, List.of()));
            }
            steps.add(new Step("STATEMENT_SET", s, null, null, List.copyOf(inner)));
            log(s, "STATEMENT_SET of " + ops.size() + " INSERTs");
            for (int i = 0; i < ops.size(); i++) {
                Step insert = inner.get(i);
                if (!insert.kind().equals("INSERT")) {
                    throw new UserError(
                            Operations.refusal(insert.kind(), ops.get(i)),
                            insert.statement().line(),
                            insert.statement().column());
                }
                log(insert.statement(), "INSERT (added to the job)");
                inserts.add(ops.get(i));
                insertStatements.add(insert.statement());
            }
        }

        /** Flink's planner parses the statement: its one operation, or a UserError in the script. */
        private Operation parse(Statement s) throws UserError {
            List<Operation> ops;
            try {
                ops = tEnv.getParser().parse(s.text());
            } catch (RuntimeException e) {
                if (!s.inserts().isEmpty() && !(e instanceof SqlParserException)) {
                    // A statement set that does not validate: which of its INSERTs?
                    for (Statement insert : s.inserts()) {
                        try {
                            tEnv.getParser().parse(insert.text());
                        } catch (RuntimeException insertFailure) {
                            throw parseError(insertFailure, insert);
                        }
                    }
                }
                throw parseError(e, s);
            }
            if (ops.size() != 1) {
                throw new UserError(
                        "Flink's parser read " + ops.size() + " operations from this statement; expected one",
                        s.line(),
                        s.column());
            }
            return ops.get(0);
        }

        /**
         * A syntax error at the parser's position, mapped to the script; anything else the planner
         * rejects (unknown table or column, missing connector factory, type errors) at the
         * statement. Positions in the message are rewritten to the script's.
         */
        private UserError parseError(RuntimeException e, Statement s) {
            if (e instanceof SqlParserException) {
                String message = e.getMessage() == null ? "SQL parse failed" : e.getMessage();
                int[] at = Positions.first(message, script, s);
                if (at == null) {
                    at = calcitePosition(e.getCause(), s);
                }
                if (at == null) {
                    at = new int[] {s.line(), s.column()};
                }
                return new UserError(Positions.rewrite(message, script, s), at[0], at[1]);
            }
            return new UserError(Positions.rewrite(UserError.messageChain(e), script, s), s.line(), s.column());
        }

        /**
         * The position Calcite's SqlParseException keeps when its message has none ("Non-query
         * expression encountered in illegal context"). Its class is the planner's, behind the
         * planner-loader's class loader: read with reflection.
         */
        private int[] calcitePosition(Throwable cause, Statement s) {
            if (cause == null) {
                return null;
            }
            try {
                Method getPos = cause.getClass().getMethod("getPos");
                Object pos = getPos.invoke(cause);
                if (pos == null) {
                    return null;
                }
                int line = (Integer) pos.getClass().getMethod("getLineNum").invoke(pos);
                int column = (Integer) pos.getClass().getMethod("getColumnNum").invoke(pos);
                return line > 0 ? Positions.inScript(script, s, line, column) : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        /**
         * The job's INSERTs failed together: plans each alone to find the one at fault; if none
         * fails alone, the failure is the job's as a whole.
         */
        UserError locate(RuntimeException e, String prefix) {
            for (int i = 0; i < inserts.size(); i++) {
                try {
                    tEnv.explainInternal(List.of(inserts.get(i)));
                } catch (RuntimeException insertFailure) {
                    Statement s = insertStatements.get(i);
                    return new UserError("INSERT failed: " + UserError.messageChain(insertFailure), s.line(), s.column());
                }
            }
            return new UserError(prefix + UserError.messageChain(e));
        }

        private void reset(String key) {
            if (key != null) {
                tEnv.getConfig().getConfiguration().removeKey(key);
                setKeys.remove(key);
            } else {
                for (String k : setKeys) {
                    tEnv.getConfig().getConfiguration().removeKey(k);
                }
                setKeys.clear();
            }
        }

        private void apply(Statement s, String kind, Runnable change) throws UserError {
            try {
                change.run();
            } catch (RuntimeException e) {
                throw new UserError(kind + " failed: " + UserError.messageChain(e), s.line(), s.column());
            }
        }
    }

    /**
     * A streaming TableEnvironment. The SETs before the first other statement ({@code SET 'key' =
     * 'value'}, both quoted) also go into its creation settings, so that options read once at
     * creation (execution.runtime-mode, ...) take effect.
     */
    static TableEnvironmentInternal create(Script script, Map<String, String> configuration)
            throws UserError, SetupError {
        Map<String, String> conf = new LinkedHashMap<>(configuration);
        Statement firstSet = null;
        for (Statement s : script.statements()) {
            if (s.key() == null) {
                break;
            }
            firstSet = firstSet == null ? s : firstSet;
            conf.put(s.key(), s.value());
        }
        try {
            EnvironmentSettings settings =
                    EnvironmentSettings.newInstance()
                            .inStreamingMode()
                            .withConfiguration(Configuration.fromMap(conf))
                            .build();
            return (TableEnvironmentInternal) TableEnvironment.create(settings);
        } catch (RuntimeException | LinkageError e) {
            String message = UserError.messageChain(e);
            if (e instanceof LinkageError
                    || message.contains("Could not instantiate the executor")
                    || message.contains("Could not find any factories that implement")) {
                throw new SetupError(
                        "Flink's TableEnvironment cannot be created on this class path (is Flink's"
                                + " planner there? /opt/flink/lib has flink-table-planner-loader and"
                                + " flink-table-runtime): "
                                + message);
            }
            if (firstSet == null) {
                throw e;
            }
            throw new UserError(
                    "the TableEnvironment could not be created with the SETs at the start of the script: " + message,
                    firstSet.line(),
                    firstSet.column());
        }
    }
}
