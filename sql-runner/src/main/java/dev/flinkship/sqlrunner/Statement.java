package dev.flinkship.sqlrunner;

import java.util.List;

/**
 * One statement of a script as {@link Script#split} found it: its span in the file (1-based lines
 * and columns, the end inclusive: the statement's last character, not counting the terminating
 * semicolon) and its exact text.
 *
 * @param kind what its first words say (SET, RESET, INSERT, STATEMENT_SET, CREATE, ALTER, DROP,
 *     USE, MODULE, ADD_JAR, QUERY, OTHER; see {@link Script#lexicalKind}): a hint only, the kinds
 *     the runner reports come from Flink's planner
 * @param offset the offset of its first character in the script
 * @param key for {@code SET 'key' = 'value'} (both quoted) its key, otherwise null
 * @param value for {@code SET 'key' = 'value'} its value, otherwise null
 * @param inserts the statements between BEGIN and END of a statement set (empty otherwise)
 */
public record Statement(
        String kind,
        int line,
        int column,
        int endLine,
        int endColumn,
        int offset,
        String text,
        String key,
        String value,
        List<Statement> inserts) {

    public String position() {
        return "line " + line + ", column " + column;
    }
}
