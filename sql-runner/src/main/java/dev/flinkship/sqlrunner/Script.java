package dev.flinkship.sqlrunner;

import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlInsert;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.flink.sql.parser.ddl.SqlReset;
import org.apache.flink.sql.parser.ddl.SqlSet;
import org.apache.flink.sql.parser.dml.SqlExecute;
import org.apache.flink.sql.parser.dml.SqlStatementSet;
import org.apache.flink.sql.parser.dql.SqlRichExplain;
import org.apache.flink.sql.parser.impl.FlinkSqlParserImpl;
import org.apache.flink.sql.parser.impl.FlinkSqlParserImplConstants;
import org.apache.flink.sql.parser.impl.FlinkSqlParserImplTokenManager;
import org.apache.flink.sql.parser.impl.SimpleCharStream;
import org.apache.flink.sql.parser.impl.Token;
import org.apache.flink.sql.parser.validate.FlinkSqlConformance;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A SQL script split into statements by Flink's own SQL parser: the Calcite parser with Flink's
 * grammar ({@link FlinkSqlParserImpl#FACTORY}), Flink's default conformance and Java lexical
 * rules, exactly as the table planner configures it (PlannerContext#getSqlParserConfig) and
 * parses a statement list (CalciteParser#parseSqlList: {@code SqlParser#parseStmtList}).
 *
 * <p>The positions Calcite stores in the parse tree do not always cover a whole statement (an
 * INSERT's starts at INTO, a CREATE VIEW's ends at its name), so the spans come from the same
 * grammar's token manager: a statement runs from its first token to the last one before the
 * semicolon that ends it (semicolons inside EXECUTE STATEMENT SET BEGIN ... END separate its
 * INSERTs). Comments, string literals and quoted identifiers are tokens or skipped text of that
 * lexer, so semicolons in them are never separators. The parser's statement count and the token
 * split are checked against each other.
 */
public final class Script {

    /** The parser configuration of Flink's planner for the default SQL dialect. */
    static final SqlParser.Config PARSER_CONFIG =
            SqlParser.config()
                    .withParserFactory(FlinkSqlParserImpl.FACTORY)
                    .withConformance(FlinkSqlConformance.DEFAULT)
                    .withLex(Lex.JAVA)
                    .withIdentifierMaxLength(256);

    /** Statements the runner executes one by one before the job (catalog objects, modules, jars). */
    private static final Set<String> DIRECT_PREFIXES =
            Set.of("CREATE_", "DROP_", "ALTER_", "USE_", "LOAD_", "UNLOAD_", "ADD_", "REMOVE_");
    /** Statements that start a job or write results of their own: refused by the runner. */
    private static final Set<String> REFUSED_DIRECT =
            Set.of("CREATE_TABLE_AS", "REPLACE_TABLE_AS", "CREATE_OR_REPLACE_TABLE_AS");

    private final String text;
    private final List<Statement> statements;

    private Script(String text, List<Statement> statements) {
        this.text = text;
        this.statements = statements;
    }

    public String text() {
        return text;
    }

    public List<Statement> statements() {
        return statements;
    }

    /** Every INSERT of the script in order: top-level ones and those of statement sets. */
    public List<Statement> inserts() {
        List<Statement> out = new ArrayList<>();
        for (Statement s : statements) {
            if (s.kind().equals("INSERT")) {
                out.add(s);
            }
            out.addAll(s.inserts());
        }
        return out;
    }

    /**
     * Parses {@code sql}. A syntax error is a {@link UserError} at the parser's line and column,
     * with the parser's message.
     */
    public static Script parse(String sql) throws UserError {
        SqlNodeList nodes;
        try {
            nodes = SqlParser.create(sql, PARSER_CONFIG).parseStmtList();
        } catch (SqlParseException e) {
            SqlParserPos pos = e.getPos();
            int line = pos == null ? 0 : pos.getLineNum();
            int column = pos == null ? 0 : pos.getColumnNum();
            throw new UserError(e.getMessage(), line, column);
        }
        List<Segment> segments = split(sql);
        if (segments.size() != nodes.size()) {
            throw new IllegalStateException(
                    "Flink's parser found "
                            + nodes.size()
                            + " statements but the token split "
                            + segments.size());
        }
        LineIndex lines = new LineIndex(sql);
        List<Statement> statements = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            statements.add(statement(nodes.get(i), segments.get(i), lines));
        }
        return new Script(sql, List.copyOf(statements));
    }

    private static Statement statement(SqlNode node, Segment seg, LineIndex lines) {
        String kind = kindOf(node);
        String key = null;
        String value = null;
        if (node instanceof SqlSet) {
            key = ((SqlSet) node).getKeyString();
            value = ((SqlSet) node).getValueString();
        } else if (node instanceof SqlReset) {
            key = ((SqlReset) node).getKeyString();
        }
        List<Statement> inserts = List.of();
        List<Token> tokens = seg.tokens;
        if (kind.equals("STATEMENT_SET")) {
            SqlStatementSet set =
                    (SqlStatementSet)
                            (node instanceof SqlExecute ? ((SqlExecute) node).getStatement() : node);
            if (set.getInserts().size() != seg.inner.size()) {
                throw new IllegalStateException(
                        "Flink's parser found "
                                + set.getInserts().size()
                                + " INSERTs in the statement set at line "
                                + tokens.get(0).beginLine
                                + " but the token split "
                                + seg.inner.size());
            }
            List<Statement> list = new ArrayList<>();
            for (int i = 0; i < seg.inner.size(); i++) {
                list.add(span("INSERT", seg.inner.get(i), null, null, List.of(), set.getInserts().get(i), lines));
            }
            inserts = List.copyOf(list);
        } else if (kind.equals("INSERT") && node instanceof SqlExecute) {
            // EXECUTE INSERT INTO ...: the statement to run is the INSERT after EXECUTE.
            tokens = tokens.subList(1, tokens.size());
        }
        return span(kind, tokens, key, value, inserts, node, lines);
    }

    private static Statement span(
            String kind,
            List<Token> tokens,
            String key,
            String value,
            List<Statement> inserts,
            SqlNode node,
            LineIndex lines) {
        Token first = tokens.get(0);
        Token last = tokens.get(tokens.size() - 1);
        String text =
                lines.text.substring(
                        lines.offset(first.beginLine, first.beginColumn),
                        lines.offset(last.endLine, last.endColumn) + 1);
        return new Statement(
                kind,
                first.beginLine,
                first.beginColumn,
                last.endLine,
                last.endColumn,
                text,
                key,
                value,
                inserts,
                node);
    }

    /** The runner's name for the kind of a top-level statement node. */
    static String kindOf(SqlNode node) {
        if (node instanceof SqlSet) {
            return "SET";
        }
        if (node instanceof SqlReset) {
            return "RESET";
        }
        if (node instanceof SqlExecute) {
            SqlNode inner = ((SqlExecute) node).getStatement();
            if (inner instanceof SqlStatementSet || inner instanceof SqlInsert) {
                return kindOf(inner);
            }
            return "EXECUTE_" + kindOf(inner);
        }
        if (node instanceof SqlStatementSet) {
            return "STATEMENT_SET";
        }
        if (node instanceof SqlInsert) {
            return "INSERT";
        }
        if (node instanceof SqlRichExplain || node.getKind() == SqlKind.EXPLAIN) {
            return "EXPLAIN";
        }
        if (node.getKind().belongsTo(SqlKind.QUERY)) {
            return "SELECT";
        }
        if (node.getKind() == SqlKind.PROCEDURE_CALL) {
            return "CALL";
        }
        if (node.getClass().getName().startsWith("org.apache.calcite.")) {
            // Calcite's generic nodes (SqlBasicCall, ...): their kind says more than their class.
            return node.getKind().name();
        }
        return fromClassName(node.getClass().getSimpleName());
    }

    /** SqlCreateTable: CREATE_TABLE, SqlRichDescribeTable: DESCRIBE_TABLE, SqlUseCatalog: USE_CATALOG. */
    static String fromClassName(String simpleName) {
        String name = simpleName;
        if (name.startsWith("Sql")) {
            name = name.substring(3);
        }
        if (name.startsWith("Rich")) {
            name = name.substring(4);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                out.append('_');
            }
            out.append(Character.toUpperCase(c));
        }
        return out.length() > 0 ? out.toString() : "OTHER";
    }

    /** Executed one by one with TableEnvironment#executeSql before the job is submitted. */
    static boolean isDirect(String kind) {
        if (REFUSED_DIRECT.contains(kind)) {
            return false;
        }
        for (String p : DIRECT_PREFIXES) {
            if (kind.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The rules of run mode: every statement is a SET, a RESET, a statement the runner executes
     * directly (DDL and the like), an INSERT or a statement set; and at least one INSERT.
     */
    public void checkRunnable() throws UserError {
        for (Statement s : statements) {
            switch (s.kind()) {
                case "SET":
                    if (s.key() == null) {
                        throw new UserError(
                                "SET without 'key' = 'value' lists the configuration and is not"
                                        + " supported in a job script",
                                s.line(),
                                s.column());
                    }
                    break;
                case "RESET":
                case "INSERT":
                case "STATEMENT_SET":
                    break;
                default:
                    if (!isDirect(s.kind())) {
                        throw new UserError(refusal(s.kind()), s.line(), s.column());
                    }
            }
        }
        if (inserts().isEmpty()) {
            throw new UserError(
                    "the script has no INSERT statement: a job script writes to at least one table"
                            + " with INSERT INTO (or EXECUTE STATEMENT SET BEGIN INSERT ...; END;)");
        }
    }

    private static String refusal(String kind) {
        switch (kind) {
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
            default:
                return kind.replace('_', ' ')
                        + " is not supported in a job script: only SET, RESET, CREATE/DROP/ALTER/USE"
                        + " statements, INSERT and EXECUTE STATEMENT SET are; it would run as a"
                        + " second job or its output would go nowhere";
        }
    }

    // ---------------------------------------------------------------------------------------
    // Token split

    /** The tokens of one statement and, for a statement set, of each of its INSERTs. */
    private static final class Segment {
        final List<Token> tokens = new ArrayList<>();
        final List<List<Token>> inner = new ArrayList<>();
    }

    /** A char stream counting a tab as one column, as the parser does. */
    private static final class TabOneCharStream extends SimpleCharStream {
        TabOneCharStream(Reader reader) {
            super(reader, 1, 1);
            setTabSize(1);
        }
    }

    /** Splits {@code sql} at its top-level semicolons with the tokens of Flink's grammar. */
    private static List<Segment> split(String sql) {
        // Lex.JAVA quotes identifiers with back ticks: the lexical state the parser switches to.
        FlinkSqlParserImplTokenManager tokens =
                new FlinkSqlParserImplTokenManager(
                        new TabOneCharStream(new StringReader(sql)), FlinkSqlParserImplConstants.BTID);
        List<Segment> segments = new ArrayList<>();
        Segment current = new Segment();
        List<Token> insert = null; // inside STATEMENT SET BEGIN ... END: the current INSERT
        for (Token t = tokens.getNextToken(); t.kind != FlinkSqlParserImplConstants.EOF; t = tokens.getNextToken()) {
            boolean semicolon = ";".equals(t.image);
            if (insert != null) {
                if (isWord(t, "END") && insert.isEmpty()) {
                    insert = null;
                } else if (semicolon) {
                    if (!insert.isEmpty()) {
                        current.inner.add(insert);
                    }
                    insert = new ArrayList<>();
                    current.tokens.add(t);
                    continue;
                } else {
                    insert.add(t);
                }
                current.tokens.add(t);
                continue;
            }
            if (semicolon) {
                if (!current.tokens.isEmpty()) {
                    segments.add(current);
                }
                current = new Segment();
                continue;
            }
            current.tokens.add(t);
            int n = current.tokens.size();
            if (n >= 3
                    && isWord(t, "BEGIN")
                    && isWord(current.tokens.get(n - 2), "SET")
                    && isWord(current.tokens.get(n - 3), "STATEMENT")) {
                insert = new ArrayList<>();
            }
        }
        if (!current.tokens.isEmpty()) {
            segments.add(current);
        }
        return segments;
    }

    private static boolean isWord(Token t, String word) {
        return t.image != null && t.image.toUpperCase(Locale.ROOT).equals(word);
    }

    /** Offsets of 1-based line and column positions (a tab is one column, as in the parser). */
    private static final class LineIndex {
        final String text;
        final List<Integer> starts = new ArrayList<>();

        LineIndex(String text) {
            this.text = text;
            starts.add(0);
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                    starts.add(i + 1);
                } else if (c == '\n' || c == '\r') {
                    starts.add(i + 1);
                }
            }
        }

        int offset(int line, int column) {
            return starts.get(line - 1) + column - 1;
        }
    }
}
