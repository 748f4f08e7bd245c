package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Splitting a script with Flink's parser: kinds, exact spans and texts, SET keys and values. */
class ScriptTest {

    private static String spans(Script script) {
        return script.statements().stream()
                .map(s -> s.kind() + "@" + s.line() + ":" + s.column() + "-" + s.endLine() + ":" + s.endColumn())
                .collect(Collectors.joining(" "));
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
        Script script = Script.parse(sql);

        assertThat(spans(script))
                .isEqualTo("CREATE_TABLE@4:1-5:70 CREATE_VIEW@6:1-6:69 INSERT@7:1-7:41");
        List<Statement> s = script.statements();
        assertThat(s.get(0).text())
                .isEqualTo(
                        "CREATE TABLE `we;ird` (id BIGINT, s STRING) -- trailing; comment\n"
                                + "  WITH ('connector' = 'datagen', 'fields.s.length' = '3', 'x' = 'a;b')");
        assertThat(s.get(1).text())
                .isEqualTo("CREATE TEMPORARY VIEW v AS SELECT id, 'it''s;here' AS q FROM `we;ird`");
        // A statement ends with its last token: the comment after it is not part of it.
        assertThat(s.get(2).text()).isEqualTo("INSERT INTO `out;put` SELECT id, q FROM v");
        assertThat(script.inserts()).containsExactly(s.get(2));
    }

    @Test
    void setStatementsGiveTheirKeyAndValue() throws Exception {
        Script script =
                Script.parse(
                        "SET 'parallelism.default' = '2';\n"
                                + "SET 'pipeline.name'='a;b ''quoted''';\n"
                                + "  RESET 'parallelism.default';\nRESET;\n");
        assertThat(spans(script)).isEqualTo("SET@1:1-1:31 SET@2:1-2:36 RESET@3:3-3:29 RESET@4:1-4:5");
        List<Statement> s = script.statements();
        assertThat(s.get(0).key()).isEqualTo("parallelism.default");
        assertThat(s.get(0).value()).isEqualTo("2");
        assertThat(s.get(1).key()).isEqualTo("pipeline.name");
        assertThat(s.get(1).value()).isEqualTo("a;b 'quoted'");
        assertThat(s.get(2).key()).isEqualTo("parallelism.default");
        assertThat(s.get(2).value()).isNull();
        assertThat(s.get(3).key()).isNull();
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
        Script script = Script.parse(sql);

        assertThat(spans(script)).isEqualTo("STATEMENT_SET@1:1-6:3 INSERT@7:9-7:30 INSERT@8:1-8:22");
        Statement set = script.statements().get(0);
        assertThat(set.text()).isEqualTo(sql.substring(0, sql.indexOf("END;") + 3));
        assertThat(set.inserts())
                .extracting(i -> i.kind() + "@" + i.line() + ":" + i.column() + "-" + i.endLine() + ":" + i.endColumn())
                .containsExactly("INSERT@3:3-3:68", "INSERT@4:2-5:19");
        assertThat(set.inserts())
                .extracting(Statement::text)
                .containsExactly(
                        "INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p;' ELSE 'n' END FROM s",
                        "INSERT INTO b\n    SELECT * FROM s");
        // EXECUTE INSERT runs as the INSERT it wraps.
        assertThat(script.statements().get(1).text()).isEqualTo("INSERT INTO c SELECT 1");
        assertThat(script.inserts()).extracting(Statement::text)
                .containsExactly(
                        "INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p;' ELSE 'n' END FROM s",
                        "INSERT INTO b\n    SELECT * FROM s",
                        "INSERT INTO c SELECT 1",
                        "insert into d select 2");
    }

    @Test
    void crlfLineEndsAndTabsCountAsTheParserCountsThem() throws Exception {
        Script script = Script.parse("SET 'a' = 'b';\r\n\tINSERT INTO t\r\n\t\tSELECT 1;\r\n");
        assertThat(spans(script)).isEqualTo("SET@1:1-1:13 INSERT@2:2-3:10");
        assertThat(script.statements().get(1).text()).isEqualTo("INSERT INTO t\r\n\t\tSELECT 1");
        // The parser's own positions agree: a tab is one column, CR LF one line end.
        assertThatThrownBy(() -> Script.parse("SET 'a' = 'b';\r\n\t\tINSERT INTO t SELEC 1;"))
                .isInstanceOfSatisfying(
                        UserError.class, e -> assertThat(e.line() + ":" + e.column()).isEqualTo("2:17"));
    }

    @Test
    void kindsOfOtherStatements() throws Exception {
        Script script =
                Script.parse(
                        "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nUSE CATALOG c;\n"
                                + "CREATE DATABASE d;\nUSE d;\nCREATE FUNCTION f AS 'com.example.F';\n"
                                + "DROP TABLE IF EXISTS t;\nSELECT 1;\nEXPLAIN SELECT 1;\nSHOW TABLES;\n"
                                + "CREATE TABLE t2 WITH ('connector' = 'blackhole') AS SELECT 1 AS x;\n"
                                + "CALL c.sys.p(1);\nEXECUTE PLAN '/tmp/plan.json';\nBEGIN STATEMENT SET;\n");
        assertThat(script.statements())
                .extracting(Statement::kind)
                .containsExactly(
                        "CREATE_CATALOG", "USE_CATALOG", "CREATE_DATABASE", "USE_DATABASE", "CREATE_FUNCTION",
                        "DROP_TABLE", "SELECT", "EXPLAIN", "SHOW_TABLES", "CREATE_TABLE_AS", "CALL",
                        "EXECUTE_PLAN", "BEGIN_STATEMENT_SET");
    }

    @Test
    void aSyntaxErrorIsReportedAtFlinksPositionWithFlinksMessage() {
        String sql = "SET 'a' = 'b';\n-- comment\nCREATE TABLE t (\n  id BIGINT,\n  name STRING,\n) WITH ('connector' = 'datagen');\n";
        assertThatThrownBy(() -> Script.parse(sql))
                .isInstanceOfSatisfying(
                        UserError.class,
                        e -> {
                            assertThat(e.line()).isEqualTo(6);
                            assertThat(e.column()).isEqualTo(1);
                            assertThat(e.getMessage())
                                    .startsWith("Encountered \")\" at line 6, column 1.\nWas expecting one of:\n");
                        });
    }

    @Test
    void runModeRules() throws Exception {
        assertThatThrownBy(() -> Script.parse("CREATE TABLE t (x INT) WITH ('connector' = 'datagen');").checkRunnable())
                .isInstanceOf(UserError.class)
                .hasMessageStartingWith("the script has no INSERT statement");
        assertThatThrownBy(() -> Script.parse("INSERT INTO a SELECT 1;\n  SELECT 2;").checkRunnable())
                .isInstanceOfSatisfying(
                        UserError.class,
                        e -> {
                            assertThat(e.describe())
                                    .startsWith("line 2, column 3: SELECT is not supported in a job script");
                        });
        assertThatThrownBy(() -> Script.parse("INSERT INTO a SELECT 1;\nSHOW TABLES;").checkRunnable())
                .hasMessageStartingWith("SHOW TABLES is not supported in a job script");
        Script.parse("SET 'a' = 'b';\nCREATE TABLE t (x INT);\nINSERT INTO t SELECT 1;").checkRunnable();
    }
}
