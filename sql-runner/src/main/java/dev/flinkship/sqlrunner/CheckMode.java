package dev.flinkship.sqlrunner;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --check}: the run-mode pass over the script through Flink's planner, without a job (SETs
 * applied, DDL executed into the in-memory catalog, every INSERT planned), written as one JSON
 * document to stdout.
 */
final class CheckMode {

    private CheckMode() {}

    static int run(String sql, PrintStream out) throws SetupError {
        Script script;
        try {
            script = Script.split(sql);
        } catch (UserError e) {
            out.println(error(null, e));
            return UserError.EXIT_CODE;
        }
        SqlRunner.requireFlink();
        List<Step> steps = new ArrayList<>();
        // Flink (its log4j console configuration, a connector) could write to stdout; the JSON
        // document must be alone there.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            TableRunner.check(script, steps);
        } catch (UserError e) {
            out.println(error(steps, e));
            return UserError.EXIT_CODE;
        } finally {
            System.setOut(stdout);
        }
        Json json = new Json().beginObject().field("ok", true).field("validated", true);
        statements(json, steps);
        // No check gives warnings today; the member stays for the contract.
        json.beginArray("warnings").endArray().endObject();
        out.println(json);
        return 0;
    }

    /** {@code steps}: what the planner parsed before the error; null when the split failed. */
    private static String error(List<Step> steps, UserError e) {
        Json json = new Json().beginObject().field("ok", false);
        json.name("error")
                .beginObject()
                .field("line", e.line())
                .field("column", e.column())
                .field("message", e.getMessage())
                .endObject();
        if (steps != null) {
            statements(json, steps);
        }
        return json.endObject().toString();
    }

    private static void statements(Json json, List<Step> steps) {
        json.beginArray("statements");
        for (Step s : steps) {
            statement(json, s);
        }
        json.endArray();
    }

    private static void statement(Json json, Step step) {
        Statement s = step.statement();
        json.beginObject()
                .field("kind", step.kind())
                .field("line", s.line())
                .field("column", s.column())
                .field("endLine", s.endLine())
                .field("endColumn", s.endColumn());
        if (step.kind().equals("SET") || step.kind().equals("RESET")) {
            if (step.key() != null) {
                json.field("key", step.key());
            }
            if (step.value() != null) {
                json.field("value", step.value());
            }
        } else {
            json.field("text", s.text());
        }
        if (step.kind().equals("STATEMENT_SET")) {
            json.beginArray("statements");
            for (Step insert : step.inserts()) {
                statement(json, insert);
            }
            json.endArray();
        }
        json.endObject();
    }
}
