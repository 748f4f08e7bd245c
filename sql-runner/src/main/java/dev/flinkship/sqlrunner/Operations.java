package dev.flinkship.sqlrunner;

import org.apache.flink.table.operations.CallProcedureOperation;
import org.apache.flink.table.operations.CreateTableASOperation;
import org.apache.flink.table.operations.ExplainOperation;
import org.apache.flink.table.operations.LoadModuleOperation;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.NopOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.ReplaceTableAsOperation;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.operations.StatementSetOperation;
import org.apache.flink.table.operations.UnloadModuleOperation;
import org.apache.flink.table.operations.UseOperation;
import org.apache.flink.table.operations.command.ResetOperation;
import org.apache.flink.table.operations.command.SetOperation;
import org.apache.flink.table.operations.ddl.AlterOperation;
import org.apache.flink.table.operations.ddl.CreateOperation;
import org.apache.flink.table.operations.ddl.DropOperation;
import org.apache.flink.table.operations.materializedtable.MaterializedTableOperation;

import java.util.Map;

/**
 * What the runner does with each operation Flink's planner parses a statement to: the kind it
 * reports, whether it executes it, and why it refuses it otherwise. The operation classes are
 * flink-table-api-java's (in /opt/flink/lib's flink-table-api-java-uber), the same in Flink 1.20
 * and 2.x.
 */
final class Operations {

    /** Operation class names whose derived kind is not today's name for the statement. */
    private static final Map<String, String> RENAMED =
            Map.of(
                    "CREATE_CATALOG_FUNCTION", "CREATE_FUNCTION",
                    "CREATE_TEMP_SYSTEM_FUNCTION", "CREATE_FUNCTION",
                    "DROP_CATALOG_FUNCTION", "DROP_FUNCTION",
                    "DROP_TEMP_SYSTEM_FUNCTION", "DROP_FUNCTION",
                    "ALTER_CATALOG_FUNCTION", "ALTER_FUNCTION",
                    "CALL_PROCEDURE", "CALL");

    private Operations() {}

    /**
     * SET, RESET, INSERT (INSERT INTO/OVERWRITE, EXECUTE INSERT), STATEMENT_SET, SELECT (any query),
     * EXPLAIN, CREATE_TABLE_AS, REPLACE_TABLE_AS, CREATE_OR_REPLACE_TABLE_AS, DELETE, UPDATE, CALL,
     * CREATE_FUNCTION, DROP_FUNCTION, ALTER_FUNCTION; otherwise the operation's class name in upper
     * snake case without "Operation": CREATE_TABLE, CREATE_VIEW, CREATE_CATALOG, USE_CATALOG,
     * LOAD_MODULE, SHOW_TABLES, ADD_JAR, BEGIN_STATEMENT_SET, NOP (a statement that does nothing,
     * e.g. ALTER TABLE IF EXISTS of a table that does not exist), ...
     */
    static String kindOf(Operation op) {
        if (op instanceof SetOperation) {
            return "SET";
        }
        if (op instanceof ResetOperation) {
            return "RESET";
        }
        if (op instanceof StatementSetOperation) {
            return "STATEMENT_SET";
        }
        // CTAS and RTAS are modify operations: before INSERT.
        if (op instanceof CreateTableASOperation) {
            return "CREATE_TABLE_AS";
        }
        if (op instanceof ReplaceTableAsOperation) {
            return ((ReplaceTableAsOperation) op).isCreateOrReplace()
                    ? "CREATE_OR_REPLACE_TABLE_AS"
                    : "REPLACE_TABLE_AS";
        }
        if (op instanceof SinkModifyOperation) {
            SinkModifyOperation sink = (SinkModifyOperation) op;
            return sink.isDelete() ? "DELETE" : sink.isUpdate() ? "UPDATE" : "INSERT";
        }
        if (op instanceof ExplainOperation) {
            return "EXPLAIN";
        }
        if (op instanceof QueryOperation) {
            return "SELECT";
        }
        if (op instanceof CallProcedureOperation) {
            return "CALL";
        }
        String kind = fromClassName(op.getClass().getSimpleName());
        return RENAMED.getOrDefault(kind, kind);
    }

    /** CreateTableOperation: CREATE_TABLE; ShowCreateTableOperation: SHOW_CREATE_TABLE. */
    static String fromClassName(String simpleName) {
        String name = simpleName.endsWith("Operation")
                ? simpleName.substring(0, simpleName.length() - "Operation".length())
                : simpleName;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (i > 0 && Character.isUpperCase(c)) {
                char before = name.charAt(i - 1);
                boolean after = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
                if (!Character.isUpperCase(before) || after) {
                    out.append('_');
                }
            }
            out.append(Character.toUpperCase(c));
        }
        return out.length() > 0 ? out.toString() : "OTHER";
    }

    /**
     * Run one by one in file order, before the job: catalog objects (CREATE, DROP, ALTER, but not
     * CREATE TABLE ... AS nor materialized tables), USE, LOAD/UNLOAD MODULE.
     */
    static boolean isExecuted(Operation op) {
        if (op instanceof ModifyOperation
                || op instanceof QueryOperation
                || op instanceof MaterializedTableOperation) {
            return false;
        }
        return op instanceof CreateOperation
                || op instanceof DropOperation
                || op instanceof AlterOperation
                || op instanceof UseOperation
                || op instanceof LoadModuleOperation
                || op instanceof UnloadModuleOperation
                || op instanceof NopOperation;
    }

    /** Why a statement of {@code kind} (parsed to {@code op}) has no place in a job script. */
    static String refusal(String kind, Operation op) {
        if (op instanceof MaterializedTableOperation) {
            return kind.replace('_', ' ')
                    + " is not supported in a job script: materialized tables are refreshed by"
                    + " Flink's SQL gateway, not by a job";
        }
        switch (kind) {
            case "SET":
                return "SET without 'key' = 'value' lists the configuration and is not supported in a"
                        + " job script";
            case "SELECT":
                return "SELECT is not supported in a job script: its result would go nowhere (and"
                        + " run as a second job); write it to a table with INSERT INTO";
            case "EXPLAIN":
                return "EXPLAIN is not supported in a job script: its output would go nowhere";
            case "CREATE_TABLE_AS":
            case "REPLACE_TABLE_AS":
            case "CREATE_OR_REPLACE_TABLE_AS":
                return kind
                        + " is not supported in a job script: it would run as a job of its own;"
                        + " use CREATE TABLE and INSERT INTO";
            case "BEGIN_STATEMENT_SET":
            case "END_STATEMENT_SET":
                return "BEGIN STATEMENT SET; ... END; is SQL client syntax; use EXECUTE STATEMENT"
                        + " SET BEGIN INSERT ...; INSERT ...; END; (all INSERTs of the script run"
                        + " as one job anyway)";
            case "ADD_JAR":
            case "REMOVE_JAR":
                return kind.replace('_', ' ')
                        + " is not supported in a job script: it loads a jar at run time from a path"
                        + " the cluster may not have; list the jar in job.libs (or the connector in"
                        + " job.connectors) and it is in the image's /opt/flink/usrlib";
            default:
                return kind.replace('_', ' ')
                        + " is not supported in a job script: only SET, RESET, CREATE/DROP/ALTER/USE"
                        + " statements, INSERT and EXECUTE STATEMENT SET are; it would run as a"
                        + " second job or its output would go nowhere";
        }
    }
}
