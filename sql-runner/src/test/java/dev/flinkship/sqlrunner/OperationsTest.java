package dev.flinkship.sqlrunner;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.Operation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The kinds the runner gives the operations Flink's planner parses statements to, and what it runs. */
class OperationsTest {

    private static TableEnvironmentInternal tEnv;

    @BeforeAll
    static void tableEnvironment() {
        tEnv = (TableEnvironmentInternal) TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tEnv.executeSql("CREATE TABLE s (x INT) WITH ('connector' = 'datagen')");
        tEnv.executeSql("CREATE TABLE t (x INT) WITH ('connector' = 'blackhole')");
    }

    private static Operation parse(String statement) {
        List<Operation> ops = tEnv.getParser().parse(statement);
        assertThat(ops).hasSize(1);
        return ops.get(0);
    }

    @Test
    void kindsComeFromTheOperations() {
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("SET 'a' = 'b'", "SET");
        kinds.put("SET", "SET");
        kinds.put("RESET 'a'", "RESET");
        kinds.put("RESET", "RESET");
        kinds.put("INSERT INTO t SELECT x FROM s", "INSERT");
        kinds.put("INSERT OVERWRITE t SELECT 1", "INSERT");
        kinds.put("EXECUTE INSERT INTO t SELECT 1", "INSERT");
        kinds.put("EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; INSERT INTO t SELECT 2; END", "STATEMENT_SET");
        kinds.put("CREATE TABLE u (x INT) WITH ('connector' = 'blackhole')", "CREATE_TABLE");
        kinds.put("CREATE TEMPORARY VIEW v AS SELECT x FROM s", "CREATE_VIEW");
        kinds.put("CREATE CATALOG c WITH ('type' = 'generic_in_memory')", "CREATE_CATALOG");
        kinds.put("CREATE DATABASE d", "CREATE_DATABASE");
        kinds.put("CREATE FUNCTION f AS 'com.example.F'", "CREATE_FUNCTION");
        kinds.put("CREATE TEMPORARY SYSTEM FUNCTION g AS 'com.example.G'", "CREATE_FUNCTION");
        kinds.put("DROP TEMPORARY FUNCTION IF EXISTS f", "DROP_FUNCTION");
        kinds.put("DROP TABLE IF EXISTS u", "DROP_TABLE");
        kinds.put("ALTER TABLE IF EXISTS nothing_here RENAME TO n", "NOP");
        kinds.put("USE CATALOG default_catalog", "USE_CATALOG");
        kinds.put("USE default_database", "USE_DATABASE");
        kinds.put("LOAD MODULE core", "LOAD_MODULE");
        kinds.put("UNLOAD MODULE core", "UNLOAD_MODULE");
        kinds.put("USE MODULES core", "USE_MODULES");
        kinds.put("SELECT 1", "SELECT");
        kinds.put("VALUES (1)", "SELECT");
        kinds.put("EXPLAIN SELECT 1", "EXPLAIN");
        kinds.put("SHOW TABLES", "SHOW_TABLES");
        kinds.put("DESCRIBE s", "DESCRIBE_TABLE");
        kinds.put("CREATE TABLE w WITH ('connector' = 'blackhole') AS SELECT 1 AS x", "CREATE_TABLE_AS");
        kinds.put("ADD JAR '/opt/flink/usrlib/udfs.jar'", "ADD_JAR");
        kinds.put("REMOVE JAR '/opt/flink/usrlib/udfs.jar'", "REMOVE_JAR");
        kinds.put("BEGIN STATEMENT SET", "BEGIN_STATEMENT_SET");
        kinds.put("END", "END_STATEMENT_SET");
        kinds.put("COMPILE PLAN '/tmp/plan.json' FOR INSERT INTO t SELECT 1", "COMPILE_PLAN");
        kinds.put("EXECUTE PLAN '/tmp/plan.json'", "EXECUTE_PLAN");
        Map<String, String> found = new LinkedHashMap<>();
        for (String statement : kinds.keySet()) {
            found.put(statement, Operations.kindOf(parse(statement)));
        }
        assertThat(found).containsExactlyEntriesOf(kinds);
    }

    @Test
    void theRunnerExecutesCatalogStatementsAndRefusesWhatWouldBeAJobOrGoNowhere() {
        for (String executed :
                List.of(
                        "CREATE TABLE u (x INT) WITH ('connector' = 'blackhole')",
                        "CREATE TEMPORARY VIEW v AS SELECT x FROM s",
                        "DROP TABLE IF EXISTS u",
                        "ALTER TABLE IF EXISTS nothing_here RENAME TO n",
                        "USE CATALOG default_catalog",
                        "LOAD MODULE core")) {
            assertThat(Operations.isExecuted(parse(executed))).as(executed).isTrue();
        }
        for (String refused :
                List.of(
                        "SELECT 1",
                        "EXPLAIN SELECT 1",
                        "SHOW TABLES",
                        "DESCRIBE s",
                        "CREATE TABLE w WITH ('connector' = 'blackhole') AS SELECT 1 AS x",
                        "ADD JAR '/x.jar'",
                        "BEGIN STATEMENT SET",
                        "EXECUTE PLAN '/tmp/plan.json'",
                        "INSERT INTO t SELECT 1")) {
            assertThat(Operations.isExecuted(parse(refused))).as(refused).isFalse();
        }
    }

    @Test
    void kindsFromClassNames() {
        assertThat(Operations.fromClassName("CreateTableOperation")).isEqualTo("CREATE_TABLE");
        assertThat(Operations.fromClassName("CreateTableASOperation")).isEqualTo("CREATE_TABLE_AS");
        assertThat(Operations.fromClassName("ShowCreateTableOperation")).isEqualTo("SHOW_CREATE_TABLE");
        assertThat(Operations.fromClassName("Nop")).isEqualTo("NOP");
        assertThat(Operations.fromClassName("")).isEqualTo("OTHER");
    }
}
