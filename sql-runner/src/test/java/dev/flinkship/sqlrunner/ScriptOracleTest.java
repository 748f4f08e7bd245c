package dev.flinkship.sqlrunner;

import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.flink.sql.parser.dml.SqlExecute;
import org.apache.flink.sql.parser.dml.SqlStatementSet;
import org.apache.flink.sql.parser.impl.FlinkSqlParserImpl;
import org.apache.flink.sql.parser.validate.FlinkSqlConformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's own grammar (flink-sql-parser, a test dependency only: the runner jar holds no parser)
 * as the oracle of the lexical split: on the shared fixtures and a few harder scripts, the parser
 * finds as many statements as the split, as many INSERTs in each statement set, and each statement's
 * text alone is one statement to it.
 */
class ScriptOracleTest {

    /** The parser configuration of Flink's planner for the default dialect (PlannerContext#getSqlParserConfig). */
    private static final SqlParser.Config CONFIG =
            SqlParser.config()
                    .withParserFactory(FlinkSqlParserImpl.FACTORY)
                    .withConformance(FlinkSqlConformance.DEFAULT)
                    .withLex(Lex.JAVA)
                    .withIdentifierMaxLength(256);

    private static final List<String> SCRIPTS =
            List.of(
                    "-- a comment; with a semicolon\n/* a block; comment */\n"
                            + "CREATE TABLE `we;ird` (id BIGINT, s STRING) -- trailing; comment\n"
                            + "  WITH ('connector' = 'datagen', 'x' = 'a;b');\n"
                            + "CREATE TEMPORARY VIEW v AS SELECT id, 'it''s;here' AS q FROM `we;ird`;\n"
                            + "INSERT INTO `out;put` SELECT id, q FROM v /* ; */;",
                    "EXECUTE STATEMENT SET\nBEGIN\n"
                            + "  INSERT INTO a SELECT CASE WHEN x > 0 THEN 'p;' ELSE 'n' END FROM s;\n"
                            + "\tINSERT INTO b\n    SELECT * FROM s;\n"
                            + "END;\nEXECUTE INSERT INTO c SELECT 1;\ninsert into d select 2",
                    "SET 'a' = 'b';\r\n\tINSERT INTO t\r\n\t\tSELECT 1 / 2; // a comment; not a statement\r\n"
                            + "RESET 'a';\nRESET;\nUSE CATALOG c;\nSHOW TABLES;\nEXPLAIN SELECT 1;\n",
                    "CREATE TABLE e (id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)"
                            + " WITH ('connector' = 'datagen');\n"
                            + "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT id FROM e; INSERT INTO b SELECT id FROM e; END");

    @TestFactory
    Stream<DynamicTest> flinksParserFindsTheStatementsTheSplitFinds() throws IOException {
        List<Path> fixtures;
        try (Stream<Path> files = Files.list(Path.of("..", "fixtures", "sql-split"))) {
            fixtures = files.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path fixture : fixtures) {
            String sql = Files.readString(fixture, StandardCharsets.UTF_8);
            tests.add(DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> agree(sql)));
        }
        for (int i = 0; i < SCRIPTS.size(); i++) {
            String sql = SCRIPTS.get(i);
            tests.add(DynamicTest.dynamicTest("script " + (i + 1), () -> agree(sql)));
        }
        return tests.stream();
    }

    private static void agree(String sql) throws Exception {
        SqlNodeList nodes = SqlParser.create(sql, CONFIG).parseStmtList();
        List<Statement> statements = Script.split(sql).statements();
        assertThat(statements).hasSize(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            SqlNode node = nodes.get(i);
            if (node instanceof SqlExecute) {
                node = ((SqlExecute) node).getStatement();
            }
            int inserts = node instanceof SqlStatementSet ? ((SqlStatementSet) node).getInserts().size() : 0;
            assertThat(statements.get(i).inserts()).as("the INSERTs of statement %d", i + 1).hasSize(inserts);
            assertThat(SqlParser.create(statements.get(i).text(), CONFIG).parseStmtList())
                    .as("statement %d alone", i + 1)
                    .hasSize(1);
        }
    }
}
