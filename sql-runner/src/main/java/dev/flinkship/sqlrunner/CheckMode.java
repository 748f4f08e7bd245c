package dev.flinkship.sqlrunner;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --check}: parses the script with Flink's parser, applies the run-mode rules, and, when
 * Flink's Table API and planner are on the class path, validates it without a cluster (SETs
 * applied, DDL run into the in-memory catalog, each INSERT planned as EXPLAIN plans it). Writes one JSON
 * document to stdout.
 */
final class CheckMode {

    private CheckMode() {}

    /** A statement Flink could not validate, which is not an error in check mode. */
    record Warning(int line, int column, String message) {}

    /** What validation found: whether it ran to the end, and its warnings. */
    record Validation(boolean validated, List<Warning> warnings) {}

    static int run(String sql, PrintStream out) {
        Script script;
        try {
            script = Script.parse(sql);
        } catch (UserError e) {
            out.println(error(null, e).toString());
            return UserError.EXIT_CODE;
        }
        Validation validation = new Validation(false, List.of());
        try {
            script.checkRunnable();
            validation = validate(script);
        } catch (UserError e) {
            out.println(error(script, e).toString());
            return UserError.EXIT_CODE;
        }
        Json json = new Json().beginObject().field("ok", true).field("validated", validation.validated());
        statements(json, script);
        json.beginArray("warnings");
        for (Warning w : validation.warnings()) {
            json.beginObject()
                    .field("line", w.line())
                    .field("column", w.column())
                    .field("message", w.message())
                    .endObject();
        }
        json.endArray().endObject();
        out.println(json);
        return 0;
    }

    private static Json error(Script script, UserError e) {
        Json json = new Json().beginObject().field("ok", false);
        json.name("error")
                .beginObject()
                .field("line", e.line())
                .field("column", e.column())
                .field("message", e.getMessage())
                .endObject();
        if (script != null) {
            statements(json, script);
        }
        return json.endObject();
    }

    private static void statements(Json json, Script script) {
        json.beginArray("statements");
        for (Statement s : script.statements()) {
            statement(json, s);
        }
        json.endArray();
    }

    private static void statement(Json json, Statement s) {
        json.beginObject()
                .field("kind", s.kind())
                .field("line", s.line())
                .field("column", s.column())
                .field("endLine", s.endLine())
                .field("endColumn", s.endColumn());
        if (s.kind().equals("SET") || s.kind().equals("RESET")) {
            if (s.key() != null) {
                json.field("key", s.key());
            }
            if (s.value() != null) {
                json.field("value", s.value());
            }
        } else {
            json.field("text", s.text());
        }
        if (s.kind().equals("STATEMENT_SET")) {
            json.beginArray("statements");
            for (Statement insert : s.inserts()) {
                statement(json, insert);
            }
            json.endArray();
        }
        json.endObject();
    }

    /**
     * Validates with Flink's planner when it is on the class path (the runner jar does not bundle
     * Flink); otherwise the check is the parse and the run-mode rules alone.
     */
    private static Validation validate(Script script) throws UserError {
        try {
            Class.forName("org.apache.flink.table.api.TableEnvironment", false, CheckMode.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new Validation(
                    false,
                    List.of(new Warning(0, 0, "not validated: Flink's Table API is not on the class path")));
        }
        // Flink (its log4j console configuration, a connector) could write to stdout; the JSON
        // document must be alone there.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            List<Warning> warnings = new ArrayList<>();
            boolean complete = TableRunner.validate(script, warnings);
            return new Validation(complete, List.copyOf(warnings));
        } finally {
            System.setOut(stdout);
        }
    }
}
