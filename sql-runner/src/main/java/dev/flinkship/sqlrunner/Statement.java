package dev.flinkship.sqlrunner;

import org.apache.calcite.sql.SqlNode;

import java.util.List;

/**
 * One statement of a script: its kind, its span in the file (1-based lines and columns, the end
 * inclusive: the statement's last character, not counting the terminating semicolon), its exact
 * text, and Flink's parse tree of it.
 *
 * @param kind SET, RESET, INSERT, STATEMENT_SET, SELECT, EXPLAIN, or a name derived from the
 *     parser's node class (CREATE_TABLE, CREATE_VIEW, DROP_TABLE, USE_CATALOG, SHOW_TABLES, ...)
 * @param key SET/RESET key (null otherwise, or for a bare SET/RESET)
 * @param value SET value (null otherwise)
 * @param inserts the INSERTs of a STATEMENT_SET (empty otherwise)
 */
public record Statement(
        String kind,
        int line,
        int column,
        int endLine,
        int endColumn,
        String text,
        String key,
        String value,
        List<Statement> inserts,
        SqlNode node) {

    public String position() {
        return "line " + line + ", column " + column;
    }
}
