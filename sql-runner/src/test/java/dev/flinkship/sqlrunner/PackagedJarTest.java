package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar itself (run in the package phase, after the jar plugin): only the runner's own classes,
 * no parser, no Calcite, no Flink, no connector. With {@code java -jar} alone it answers argument
 * mistakes and says that it needs Flink's table jars; on a class path like a Flink installation's
 * lib/ it checks a script with that Flink's planner and runs one as Flink's client runs a job jar.
 */
class PackagedJarTest {

    @TempDir Path dir;

    private static Path jar() {
        String path = System.getProperty("runner.jar");
        assertThat(path).as("system property runner.jar").isNotNull();
        return Path.of(path);
    }

    record Result(int rc, String out, String err) {}

    private Result java(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("-jar", jar().toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    /** A class path like a Flink installation's lib/: Flink, its planner-loader, flink-json, log4j. */
    private static String flinkLib() {
        String cp = System.getProperty("flink.lib.classpath");
        assertThat(cp).as("system property flink.lib.classpath").isNotBlank();
        return cp;
    }

    private Result run(List<String> javaArgs) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaArgs);
        Process p =
                new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command + "\n" + Files.readString(err));
        }
        return new Result(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void holdsOnlyTheRunnersOwnClasses() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("dev.flinkship.sqlrunner.SqlRunner");
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertThat(names).contains("dev/flinkship/sqlrunner/SqlRunner.class", "META-INF/MANIFEST.MF");
            assertThat(names)
                    .allMatch(n -> n.startsWith("dev/flinkship/sqlrunner/") || n.startsWith("META-INF/")
                            || n.equals("dev/") || n.equals("dev/flinkship/"))
                    .noneMatch(n -> n.startsWith("org/apache/calcite/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/sql/parser/"))
                    .noneMatch(n -> n.startsWith("com/google/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/"))
                    .noneMatch(n -> n.startsWith("org/slf4j/"));
        }
        // Tens of kilobytes: it is committed for every release.
        assertThat(Files.size(jar())).isLessThan(100_000);
    }

    @Test
    void withoutFlinksTableJarsItSaysWhatIsMissingWithExitCode1() throws Exception {
        Path file = dir.resolve("job.sql");
        Files.writeString(file, CheckModeTest.SCRIPT);

        for (String[] args : List.of(new String[] {"--check", "--script", file.toString()}, new String[] {"--script", file.toString()})) {
            Result r = java(args);

            assertThat(r.rc()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err())
                    .startsWith(
                            "flinkship-sql-runner: Flink's table jars are not on the class path; missing:"
                                    + " flink-dist (Flink's runtime), flink-table-api-java-uber (the Table API),"
                                    + " flink-table-planner-loader (the planner), flink-table-runtime. ")
                    .contains("java -cp '/opt/flink/lib/*:/opt/flink/usrlib/*' dev.flinkship.sqlrunner.SqlRunner --check --script job.sql")
                    .hasLineCount(1);
        }
    }

    @Test
    void aLexicalErrorNeedsNoFlink() throws Exception {
        Path file = dir.resolve("bad.sql");
        Files.writeString(file, "INSERT INTO t VALUES ('x);\n");

        Result r = java("--check", file.toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.out())
                .isEqualTo(
                        "{\"ok\":false,\"error\":{\"line\":1,\"column\":23,"
                                + "\"message\":\"a string literal ' is never closed\"}}\n");
    }

    /** The runner jar on a class path like Flink's lib/, the runner's class as the entry point. */
    private Result withFlinkLib(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.addAll(List.of(System.getProperty("test.jvm.opens").split(" ")));
        command.addAll(List.of("-cp", flinkLib() + File.pathSeparator + jar(), "dev.flinkship.sqlrunner.SqlRunner"));
        command.addAll(List.of(args));
        return run(command);
    }

    @Test
    void refusesAScriptWithoutInsertWithExitCode2() throws Exception {
        Path file = dir.resolve("no-insert.sql");
        Files.writeString(file, "CREATE TABLE t (id INT) WITH ('connector' = 'datagen');\n");

        Result r = withFlinkLib("--script", file.toString());

        assertThat(r.rc()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEqualTo("flinkship-sql-runner: line 1, column 1: CREATE_TABLE\n");
        assertThat(r.err()).startsWith("flinkship-sql-runner: the script has no INSERT statement").hasLineCount(1);
    }

    @Test
    void aSyntaxErrorInCheckModeIsJsonAtTheScriptsPositionAndExitCode2() throws Exception {
        Path file = dir.resolve("bad.sql");
        Files.writeString(file, "SET 'parallelism.default' = '1';\n-- the source\nCREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen');\n\n  SELEC * FROM t;\nINSERT INTO t SELECT 1;\n");

        Result r = withFlinkLib("--check", "--script", file.toString());

        assertThat(r.rc()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEqualTo(CheckModeTest.SYNTAX_ERROR);
    }

    @Test
    void aMissingConnectorInCheckModeIsJsonAtTheInsert() throws Exception {
        Path file = dir.resolve("kafka.sql");
        Files.writeString(
                file,
                "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen');\n"
                        + "CREATE TABLE sink (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n"
                        + "\n"
                        + "INSERT INTO sink SELECT id FROM src;\n");

        Result r = withFlinkLib("--check", "--script", file.toString());

        assertThat(r.rc()).as(r.err()).isEqualTo(2);
        assertThat(r.out())
                .startsWith(
                        "{\"ok\":false,\"error\":{\"line\":4,\"column\":1,\"message\":\"INSERT failed: Unable to"
                                + " create a sink for writing table 'default_catalog.default_database.sink'.")
                .contains("Could not find any factory for identifier 'kafka'");
        assertThat(r.out().lines()).hasSize(1);
    }

    @Test
    void aWrongArgumentIsOneLineAndExitCode2() throws Exception {
        Result r = java("--nope");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("flinkship-sql-runner: unexpected arguments --nope; usage: SqlRunner --script <job.sql> [--sha256 <hex>] | --check [--script] <job.sql>\n");
    }

    @Test
    void runsAScriptFromTheJarAsFlinksClientRunsAJobJar() throws Exception {
        Path file = dir.resolve("job.sql");
        Files.writeString(file, RunModeTest.DATAGEN_TO_PRINT);
        List<String> command = new java.util.ArrayList<>();
        command.add("-Xmx512m");
        command.addAll(List.of(System.getProperty("test.jvm.opens").split(" ")));
        command.addAll(
                List.of(
                        "-cp",
                        flinkLib() + File.pathSeparator + System.getProperty("test.classes"),
                        AppLauncher.class.getName(),
                        jar().toString(),
                        "dev.flinkship.sqlrunner.SqlRunner",
                        "--script",
                        file.toString(),
                        // As Flinkship's deploy passes it: the script's own SHA-256, so it runs.
                        "--sha256",
                        SqlRunner.sha256Hex(Files.readAllBytes(file))));

        Result r = run(command);

        assertThat(r.rc()).as("exit code; stderr:%n%s", r.err()).isZero();
        List<String> lines = r.out().lines().collect(java.util.stream.Collectors.toList());
        assertThat(lines)
                .filteredOn(l -> l.startsWith("rows>") || l.startsWith("evens>"))
                .containsExactlyInAnyOrder(
                        "rows> +I[1, n;1]",
                        "rows> +I[2, n;2]",
                        "rows> +I[3, n;3]",
                        "rows> +I[4, n;4]",
                        "rows> +I[5, n;5]",
                        "evens> +I[2]",
                        "evens> +I[4]");
        assertThat(lines)
                .filteredOn(l -> l.startsWith("flinkship-sql-runner: "))
                .startsWith("flinkship-sql-runner: line 2, column 1: SET 'parallelism.default' = '1'")
                .contains("flinkship-sql-runner: submitting 2 INSERT statement(s) as one job")
                .last()
                .asString()
                .matches("flinkship-sql-runner: job [0-9a-f]{32} submitted");
    }

    @Test
    void validatesWithFlinksLibOnTheClassPath() throws Exception {
        Path file = dir.resolve("job.sql");
        Files.writeString(file, CheckModeTest.SCRIPT);

        Result r = withFlinkLib("--check", "--script", file.toString());

        assertThat(r.rc()).as("exit code; stderr:%n%s", r.err()).isZero();
        assertThat(r.out()).isEqualTo(CheckModeTest.SCRIPT_CHECKED);
    }
}
