package dev.flinkship.sqlrunner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A SQL script split into statements lexically, without a parser: the same reading as Flinkship's
 * validate ({@code splitSql} in src/spec/sql.ts), so that both find the same statements at the same
 * spans (fixtures/sql-split). Statements end at a {@code ;} outside string literals ({@code
 * 'it''s'}), quoted identifiers ({@code `a;b`}, {@code "a;b"}; a doubled quote escapes it) and
 * comments ({@code --} and {@code //} to the end of the line, {@code /* *}{@code /}); an {@code
 * EXECUTE STATEMENT SET BEGIN ... END;} block is one statement, whose {@code ;}s separate its
 * INSERTs and which only an {@code END} followed by {@code ;} (or the end of the script) closes, so a
 * {@code CASE ... END} inside it does not.
 *
 * <p>A statement runs from its first token to its last one before the {@code ;}: comments before
 * and after it are not part of it, comments inside it are. Positions are 1-based; a line starts
 * after a {@code \n} (so {@code \r\n} is one line end), a tab is one column.
 *
 * <p>What each statement is and means is Flink's business: the runner gives each statement's text
 * to the planner of the Flink it runs on ({@link TableRunner}).
 */
public final class Script {

    private final String text;
    private final List<Statement> statements;
    private final int[] lineStarts;

    private Script(String text, List<Statement> statements, int[] lineStarts) {
        this.text = text;
        this.statements = statements;
        this.lineStarts = lineStarts;
    }

    public String text() {
        return text;
    }

    public List<Statement> statements() {
        return statements;
    }

    /**
     * Splits {@code sql}. An unterminated string literal, quoted identifier or block comment, and a
     * statement set without END, are a {@link UserError} at the line and column where they start.
     */
    public static Script split(String sql) throws UserError {
        int[] lineStarts = lineStarts(sql);
        Lexer lexer = new Lexer(sql);
        List<Token> tokens = lexer.tokens;
        List<Statement> statements = new ArrayList<>();
        int first = 0; // the first token of the statement being read
        int begin = -1; // inside a statement set: the index of its BEGIN
        List<String> words = new ArrayList<>();
        for (int k = 0; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            // The first words say what a statement is; four are enough to see a STATEMENT SET's BEGIN.
            if (t.type == Type.WORD && words.size() < 4) {
                words.add(t.text);
            }
            if (begin < 0 && t.isWord("BEGIN") && lexicalKind(words).equals("STATEMENT_SET")) {
                begin = k;
            }
            if (begin >= 0) {
                if (t.isWord("END")) {
                    Token next = k + 1 < tokens.size() ? tokens.get(k + 1) : null;
                    if (next == null || next.isSymbol(";")) {
                        statements.add(statement(sql, lineStarts, tokens, first, k + 1, begin, k));
                        first = k + 2;
                        begin = -1;
                        words.clear();
                        k++;
                    }
                }
                continue;
            }
            if (t.isSymbol(";")) {
                if (k > first) {
                    statements.add(statement(sql, lineStarts, tokens, first, k, -1, -1));
                }
                first = k + 1;
                words.clear();
            }
        }
        if (lexer.problem != null) {
            int[] at = position(lineStarts, lexer.problemOffset);
            throw new UserError(lexer.problem, at[0], at[1]);
        }
        if (begin >= 0) {
            int[] at = position(lineStarts, tokens.get(first).offset);
            throw new UserError(
                    "this STATEMENT SET has no END; expected EXECUTE STATEMENT SET BEGIN <INSERT …;> … END;",
                    at[0],
                    at[1]);
        }
        if (tokens.size() > first) {
            statements.add(statement(sql, lineStarts, tokens, first, tokens.size(), -1, -1));
        }
        return new Script(sql, List.copyOf(statements), lineStarts);
    }

    /**
     * The statement of tokens {@code [from, to)}; for a statement set, {@code begin} and {@code end}
     * are the indexes of its BEGIN and END, and the INSERTs between them are its inner statements.
     */
    private static Statement statement(
            String sql, int[] lineStarts, List<Token> tokens, int from, int to, int begin, int end) {
        List<Statement> inner = new ArrayList<>();
        if (begin >= 0) {
            int start = begin + 1;
            for (int k = begin + 1; k <= end; k++) {
                if (k == end || tokens.get(k).isSymbol(";")) {
                    if (k > start) {
                        inner.add(statement(sql, lineStarts, tokens, start, k, -1, -1));
                    }
                    start = k + 1;
                }
            }
        }
        List<Token> own = tokens.subList(from, to);
        int startOffset = own.get(0).offset;
        int endOffset = own.get(own.size() - 1).endOffset;
        List<String> words = new ArrayList<>();
        for (Token t : own) {
            if (t.type == Type.WORD && words.size() < 4) {
                words.add(t.text);
            }
        }
        String kind = lexicalKind(words);
        String key = null;
        String value = null;
        // SET 'key' = 'value', both quoted: what the runner gives the TableEnvironment's creation.
        if (kind.equals("SET")
                && own.size() == 4
                && own.get(1).type == Type.STRING
                && own.get(2).isSymbol("=")
                && own.get(3).type == Type.STRING) {
            key = own.get(1).text;
            value = own.get(3).text;
        }
        int[] start = position(lineStarts, startOffset);
        int[] last = position(lineStarts, endOffset - 1);
        return new Statement(
                kind,
                start[0],
                start[1],
                last[0],
                last[1],
                startOffset,
                sql.substring(startOffset, endOffset),
                key,
                value,
                List.copyOf(inner));
    }

    /**
     * What the first words of a statement say it is, as validate reads them: SET, RESET, INSERT
     * (also EXECUTE INSERT), STATEMENT_SET, CREATE, ALTER, DROP, USE, MODULE, ADD_JAR, QUERY or OTHER.
     * Only a hint: the kinds the runner reports come from Flink's planner.
     */
    static String lexicalKind(List<String> words) {
        String a = words.size() > 0 ? words.get(0) : null;
        String b = words.size() > 1 ? words.get(1) : null;
        String c = words.size() > 2 ? words.get(2) : null;
        if (a == null) {
            return "OTHER";
        }
        if (a.equals("SET")) {
            return "SET";
        }
        if (a.equals("RESET")) {
            return "RESET";
        }
        if (a.equals("INSERT") || (a.equals("EXECUTE") && "INSERT".equals(b))) {
            return "INSERT";
        }
        if ((a.equals("EXECUTE") && "STATEMENT".equals(b) && "SET".equals(c))
                || (a.equals("STATEMENT") && "SET".equals(b))) {
            return "STATEMENT_SET";
        }
        switch (a) {
            case "CREATE":
            case "REPLACE":
                return "CREATE";
            case "ALTER":
                return "ALTER";
            case "DROP":
                return "DROP";
            case "USE":
                return "USE";
            case "LOAD":
            case "UNLOAD":
                return "MODULE";
            default:
                break;
        }
        if (a.equals("ADD") && "JAR".equals(b)) {
            return "ADD_JAR";
        }
        if (a.equals("EXECUTE") && b != null && isQueryStart(b)) {
            return "QUERY";
        }
        return isQueryStart(a) ? "QUERY" : "OTHER";
    }

    private static boolean isQueryStart(String word) {
        switch (word) {
            case "SELECT":
            case "WITH":
            case "VALUES":
            case "EXPLAIN":
            case "SHOW":
            case "DESCRIBE":
            case "DESC":
            case "TABLE":
                return true;
            default:
                return false;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Positions

    /** The offsets at which lines start: 0 and after each \n. */
    private static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] position(int[] lineStarts, int offset) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return new int[] {lo + 1, offset - lineStarts[lo] + 1};
    }

    /** The 1-based line and column of {@code offset} in the script. */
    int[] position(int offset) {
        return position(lineStarts, Math.max(0, Math.min(offset, text.length())));
    }

    // ---------------------------------------------------------------------------------------
    // Tokens

    private enum Type {
        /** A keyword or an identifier; its text in upper case. */
        WORD,
        /** A string literal; its text is its value. */
        STRING,
        /** A quoted identifier; its text is its name. */
        QUOTED,
        /** Any other character. */
        SYMBOL
    }

    private static final class Token {
        final Type type;
        final String text;
        final int offset;
        final int endOffset;

        Token(Type type, String text, int offset, int endOffset) {
            this.type = type;
            this.text = text;
            this.offset = offset;
            this.endOffset = endOffset;
        }

        boolean isWord(String word) {
            return type == Type.WORD && text.equals(word);
        }

        boolean isSymbol(String symbol) {
            return type == Type.SYMBOL && text.equals(symbol);
        }
    }

    /** The tokens of the script (comments and white space dropped), and where it gave up. */
    private static final class Lexer {
        final List<Token> tokens = new ArrayList<>();
        String problem;
        int problemOffset;

        Lexer(String text) {
            int i = 0;
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                char next = i + 1 < n ? text.charAt(i + 1) : '\0';
                if (isSpace(c)) {
                    i++;
                } else if ((c == '-' && next == '-') || (c == '/' && next == '/')) {
                    int nl = text.indexOf('\n', i);
                    i = nl < 0 ? n : nl + 1;
                } else if (c == '/' && next == '*') {
                    int close = text.indexOf("*/", i + 2);
                    if (close < 0) {
                        fail(i, "a /* comment is never closed with */");
                        return;
                    }
                    i = close + 2;
                } else if (c == '\'' || c == '`' || c == '"') {
                    // Doubling the quote escapes it, in literals and in quoted identifiers alike.
                    StringBuilder value = new StringBuilder();
                    int j = i + 1;
                    while (true) {
                        if (j >= n) {
                            fail(
                                    i,
                                    c == '\''
                                            ? "a string literal ' is never closed"
                                            : "an identifier quoted with " + c + " is never closed");
                            return;
                        }
                        char d = text.charAt(j);
                        if (d == c) {
                            if (j + 1 < n && text.charAt(j + 1) == c) {
                                value.append(c);
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        value.append(d);
                        j++;
                    }
                    tokens.add(new Token(c == '\'' ? Type.STRING : Type.QUOTED, value.toString(), i, j + 1));
                    i = j + 1;
                } else if (isWordStart(c)) {
                    int j = i + 1;
                    while (j < n && isWordPart(text.charAt(j))) {
                        j++;
                    }
                    // A literal's prefix (X'..', N'..', _utf8'..') is a word before the literal.
                    tokens.add(new Token(Type.WORD, text.substring(i, j).toUpperCase(Locale.ROOT), i, j));
                    i = j;
                } else {
                    tokens.add(new Token(Type.SYMBOL, String.valueOf(c), i, i + 1));
                    i++;
                }
            }
        }

        private void fail(int offset, String message) {
            problem = message;
            problemOffset = offset;
        }

        private static boolean isWordStart(char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
        }

        private static boolean isWordPart(char c) {
            return isWordStart(c) || (c >= '0' && c <= '9');
        }

        /** JavaScript's {@code \s}, as validate's lexer has it. */
        private static boolean isSpace(char c) {
            switch (c) {
                case '\t':
                case '\n':
                case '\u000B':
                case '\f':
                case '\r':
                case ' ':
                case '\u00A0':
                case '\u1680':
                case '\u2028':
                case '\u2029':
                case '\u202F':
                case '\u205F':
                case '\u3000':
                case '\uFEFF':
                    return true;
                default:
                    return c >= '\u2000' && c <= '\u200A';
            }
        }
    }
}
