package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lexical split (no Flink): exact spans and texts, statement sets, SET keys and values, and
 * the lexical errors at their positions. The kinds here are the split's hints (what the first words
 * say); the runner's kinds come from Flink's planner (OperationsTest).
 */
class ScriptTest {

    private static String spans(List<Statement> statements) {
        return statements.stream()
                .map(s -> s.kind() + "@" + s.line() + ":" + s.column() + "-" + s.endLine() + ":" + s.endColumn())
                .collect(Collectors.joining(" "));
    }

    private static UserError error(String sql) {
        try {
            Script.split(sql);
        } catch (UserError e) {
            return e;
        }
        throw new AssertionError("no error splitting " + sql);
    }

    @Test
    void commentsAndQuotedSemicolonsDoNotSplitStatements() throws Exception {
        String sql =
                "-- a comment; with a semicolon\n"
                        + "/* a block; comment\n   over two lines; */\n"
                        + "CREATE TABLE `we;ird` (id BIGINT, s STRING) -- trailing; comment\n"
                        + "  WITH ('connector' = 'datagen', 'fields.s.length' = '3', 'x' = 'a;b');\n"
                        + "CREATE TEMPORARY VIEW v AS SELECT id, 'it''s;here' AS q FROM `we;ird`;\n"
                        + "INSERT INTO `out;put` SELECT id, q FROM v /* ; */;";
        Script script = Script.split(sql);

        assertThat(spans(script.statements())).isEqualTo("CREATE@4:1-5:70 CREATE@6:1-6:69 INSERT@7:1-7:41");
        List<Statement> s = script.statements();
        assertThat(s.get(0).text())
                .isEqualTo(
                        "CREATE TABLE `we;ird` (id BIGINT, s STRING) -- trailing; comment\n"
                                + "  WITH ('connector' = 'datagen', 'fields.s.length' = '3', 'x' = 'a;b')");
        assertThat(s.get(0).offset()).isEqualTo(sql.indexOf("CREATE TABLE"));
        assertThat(s.get(1).text())
                .isEqualTo("CREATE TEMPORARY VIEW v AS SELECT id, 'it''s;here' AS q FROM `we;ird`");
        // A statement ends with its last token: the comment after it is not part of it.
        assertThat(s.get(2).text()).isEqualTo("INSERT INTO `out;put` SELECT id, q FROM v");
    }

    @Test
    void doubleQuotesDoubledQuotesAndSlashComments() throws Exception {
        String sql =
                "// a line comment; as Calcite reads it\n"
                        + "SELECT \"a;b\", `c``;d`, 'e'';f' FROM t; // after; a statement\n"
                        + "INSERT INTO k SELECT 1 / 2 FROM s--x;y\n"
                        + ";";
        Script script = Script.split(sql);
        assertThat(spans(script.statements())).isEqualTo("QUERY@2:1-2:37 INSERT@3:1-3:33");
        assertThat(script.statements().get(0).text()).isEqualTo("SELECT \"a;b\", `c``;d`, 'e'';f' FROM t");
    }

    @Test
    void setStatementsGiveTheirKeyAndValue() throws Exception {
        Script script =
                Script.split(
                        "SET 'parallelism.default' = '2';\n"
                                + "SET 'pipeline.name'='a;b ''quoted''';\n"
                                + "  RESET 'parallelism.default';\nRESET;\nSET;\nSET x = 'y';\n");
        assertThat(spans(script.statements()))
                .isEqualTo("SET@1:1-1:31 SET@2:1-2:36 RESET@3:3-3:29 RESET@4:1-4:5 SET@5:1-5:3 SET@6:1-6:11");
        List<Statement> s = script.statements();
        assertThat(s.get(0).key()).isEqualTo("parallelism.default");
        assertThat(s.get(0).value()).isEqualTo("2");
        assertThat(s.get(1).key()).isEqualTo("pipeline.name");
        assertThat(s.get(1).value()).isEqualTo("a;b 'quoted'");
        // Only SET 'key' = 'value' (both quoted) has them: Flink's planner reads the others.
        assertThat(s.subList(2, 6)).extracting(Statement::key).containsOnlyNulls();
        assertThat(s.subList(2, 6)).extracting(Statement::value).containsOnlyNulls();
    }

    @Test
    void aStatementSetBlockHoldsItsInserts() throws Exception {
        String sql =
                "EXECUTE STATEMENT SET\nBEGIN\n"
                        + "  INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p;' ELSE 'n' END FROM s;\n"
                        + "\tINSERT INTO b\n    SELECT * FROM s;\n"
                        + "END;\n"
                        + "EXECUTE INSERT INTO c SELECT 1;\n"
                        + "insert into d select 2";
        Script script = Script.split(sql);

        assertThat(spans(script.statements())).isEqualTo("STATEMENT_SET@1:1-6:3 INSERT@7:1-7:30 INSERT@8:1-8:22");
        Statement set = script.statements().get(0);
        assertThat(set.text()).isEqualTo(sql.substring(0, sql.indexOf("END;") + 3));
        assertThat(spans(set.inserts())).isEqualTo("INSERT@3:3-3:68 INSERT@4:2-5:19");
        assertThat(set.inserts())
                .extracting(Statement::text)
                .containsExactly(
                        "INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p;' ELSE 'n' END FROM s",
                        "INSERT INTO b\n    SELECT * FROM s");
        assertThat(set.inserts().get(1).offset()).isEqualTo(sql.indexOf("INSERT INTO b"));
        // EXECUTE INSERT is one statement from EXECUTE on, as validate reads it; Flink runs the INSERT.
        assertThat(script.statements().get(1).text()).isEqualTo("EXECUTE INSERT INTO c SELECT 1");
        assertThat(script.statements().get(1).inserts()).isEmpty();
    }

    @Test
    void aStatementSetEndsWithEndAtTheEndOfTheScript() throws Exception {
        Script script = Script.split("STATEMENT SET BEGIN INSERT INTO a SELECT 1; END");
        assertThat(spans(script.statements())).isEqualTo("STATEMENT_SET@1:1-1:47");
        assertThat(spans(script.statements().get(0).inserts())).isEqualTo("INSERT@1:21-1:42");
    }

    @Test
    void crlfLineEndsAndTabs() throws Exception {
        Script script = Script.split("SET 'a' = 'b';\r\n\tINSERT INTO t\r\n\t\tSELECT 1;\r\n");
        assertThat(spans(script.statements())).isEqualTo("SET@1:1-1:13 INSERT@2:2-3:10");
        assertThat(script.statements().get(1).text()).isEqualTo("INSERT INTO t\r\n\t\tSELECT 1");
    }

    @Test
    void anEmptyScriptOrOneOfCommentsHasNoStatement() throws Exception {
        assertThat(Script.split("").statements()).isEmpty();
        assertThat(Script.split(" ;; -- nothing\n/* here */ ;").statements()).isEmpty();
    }

    @Test
    void unterminatedLiteralsIdentifiersAndCommentsAreErrorsWhereTheyStart() {
        UserError literal = error("SET 'a' = 'b';\nINSERT INTO t SELECT 'x;\n");
        assertThat(literal.describe()).isEqualTo("line 2, column 22: a string literal ' is never closed");
        UserError backQuoted = error("INSERT INTO t SELECT 1;\n  SELECT `x FROM t;");
        assertThat(backQuoted.describe()).isEqualTo("line 2, column 10: an identifier quoted with ` is never closed");
        UserError doubleQuoted = error("SELECT \"x");
        assertThat(doubleQuoted.describe()).isEqualTo("line 1, column 8: an identifier quoted with \" is never closed");
        UserError comment = error("INSERT INTO t SELECT 1;\r\n\t/* no end; ");
        assertThat(comment.describe()).isEqualTo("line 2, column 2: a /* comment is never closed with */");
    }

    @Test
    void aStatementSetWithoutEndIsAnErrorAtItsStart() {
        UserError e =
                error("SET 'a' = 'b';\n  EXECUTE STATEMENT SET BEGIN\n  INSERT INTO a SELECT CASE WHEN x THEN 1 END FROM s;\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo(3);
        assertThat(e.getMessage()).startsWith("this STATEMENT SET has no END");
    }

    @Test
    void positionsOfTheParserMapToTheScript() throws Exception {
        String sql = "SET 'a' = 'b';\r\n\t\tINSERT INTO t\r\n  SELEC 1;\nINSERT INTO u SELECT 1";
        Script script = Script.split(sql);
        Statement insert = script.statements().get(1);
        // Line 1 of the statement starts at its first character (column 3 of the script's line 2).
        assertThat(Positions.inScript(script, insert, 1, 13)).containsExactly(2, 15);
        assertThat(Positions.inScript(script, insert, 2, 3)).containsExactly(3, 3);
        assertThat(Positions.rewrite("Encountered \"1\" at line 2, column 9.", script, insert))
                .isEqualTo("Encountered \"1\" at line 3, column 9.");
        assertThat(Positions.rewrite("From line 1, column 1 to line 2, column 7: x", script, insert))
                .isEqualTo("From line 2, column 3 to line 3, column 7: x");
        assertThat(Positions.first("no position here", script, insert)).isNull();
        // The parser also ends a line at a lone \r, which the split (as validate) does not.
        assertThat(Positions.offsetIn("a\rb\r\nc\nd", 4, 1)).isEqualTo(7);
    }
}
