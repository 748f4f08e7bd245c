package dev.flinkship.sqlrunner;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Positions in Flink's messages are relative to the statement text the runner gave the planner
 * (which starts at the statement's first character); these map them to the script. Flink's parser
 * (Calcite's generated lexer) counts lines as Java's SimpleCharStream does: {@code \r\n}, {@code
 * \r} and {@code \n} each end a line, and a tab is one column.
 */
final class Positions {

    /** "line 2, column 15" in Calcite's messages ("at line ..", "From line .. to line .."). */
    private static final Pattern LINE_COLUMN = Pattern.compile("\\bline (\\d+), column (\\d+)");

    private Positions() {}

    /** The script position {@code {line, column}} of line {@code line}, column {@code column} of {@code statement}. */
    static int[] inScript(Script script, Statement statement, int line, int column) {
        return script.position(statement.offset() + offsetIn(statement.text(), line, column));
    }

    /** The offset in {@code text} of a 1-based line and column as the parser counts them. */
    static int offsetIn(String text, int line, int column) {
        int i = 0;
        for (int l = 1; l < line && i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                i++;
                l++;
            } else if (c == '\r' || c == '\n') {
                l++;
            }
        }
        return i + Math.max(column, 1) - 1;
    }

    /** The first "line L, column C" of {@code message}, in the script; null when it has none. */
    static int[] first(String message, Script script, Statement statement) {
        Matcher m = LINE_COLUMN.matcher(message);
        if (!m.find()) {
            return null;
        }
        return inScript(script, statement, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** {@code message} with every "line L, column C" in it rewritten to the script's position. */
    static String rewrite(String message, Script script, Statement statement) {
        Matcher m = LINE_COLUMN.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int[] at = inScript(script, statement, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            m.appendReplacement(out, Matcher.quoteReplacement("line " + at[0] + ", column " + at[1]));
        }
        m.appendTail(out);
        return out.toString();
    }
}
