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
 * The shaded jar itself (run in the package phase, after the shade plugin): Flink's parser is in
 * it, Flink and connectors are not, and {@code java -jar} alone checks a script (parse and run-mode rules; no
 * validation without Flink on the class path) and refuses a script without INSERT.
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
    void holdsFlinksParserButNotFlink() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("dev.flinkship.sqlrunner.SqlRunner");
            assertThat(jar.getEntry("org/apache/flink/sql/parser/impl/FlinkSqlParserImpl.class")).isNotNull();
            assertThat(jar.getEntry("org/apache/calcite/sql/parser/SqlParser.class")).isNotNull();
            assertThat(jar.stream().map(e -> e.getName()))
                    .noneMatch(n -> n.startsWith("org/apache/flink/table/api/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/streaming/api/"))
                    .noneMatch(n -> n.startsWith("org/apache/flink/table/planner/"))
                    .noneMatch(n -> n.startsWith("org/codehaus/janino/"))
                    // No connector: a job's connectors come with the job (job.libs) or the image.
                    .noneMatch(n -> n.startsWith("org/apache/flink/connector/"))
                    .noneMatch(n -> n.startsWith("org/apache/kafka/"));
        }
    }

    @Test
    void checksAScriptWithoutFlinkOnTheClassPath() throws Exception {
        Path file = dir.resolve("job.sql");
        Files.writeString(file, CheckModeTest.SCRIPT);

        Result r = java("--check", file.toString());

        assertThat(r.rc()).isZero();
        assertThat(r.out())
                .startsWith("{\"ok\":true,\"validated\":false,\"statements\":[{\"kind\":\"SET\",\"line\":1,")
                .endsWith(
                        "\"warnings\":[{\"line\":0,\"column\":0,\"message\":\"not validated: Flink's Table API"
                                + " is not on the class path\"}]}\n");
        assertThat(r.out().lines()).hasSize(1);
    }

    @Test
    void refusesAScriptWithoutInsertWithExitCode2() throws Exception {
        Path file = dir.resolve("no-insert.sql");
        Files.writeString(file, "CREATE TABLE t (id INT) WITH ('connector' = 'datagen');\n");

        Result r = java("--script", file.toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("flinkship-sql-runner: the script has no INSERT statement").hasLineCount(1);
    }

    @Test
    void aSyntaxErrorInCheckModeIsJsonAndExitCode2() throws Exception {
        Path file = dir.resolve("bad.sql");
        Files.writeString(file, "INSERT INTO t VALUES (1,;\n");

        Result r = java("--check", file.toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.out()).startsWith("{\"ok\":false,\"error\":{\"line\":1,\"column\":25,\"message\":\"Encountered \\\";\\\"");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aWrongArgumentIsOneLineAndExitCode2() throws Exception {
        Result r = java("--nope");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("flinkship-sql-runner: unexpected arguments --nope; usage: SqlRunner --script <job.sql> | --check <job.sql>\n");
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
                        file.toString()));

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

        Result r =
                run(
                        List.of(
                                "-cp",
                                flinkLib() + File.pathSeparator + jar(),
                                "dev.flinkship.sqlrunner.SqlRunner",
                                "--check",
                                file.toString()));

        assertThat(r.rc()).as("exit code; stderr:%n%s", r.err()).isZero();
        assertThat(r.out()).startsWith("{\"ok\":true,\"validated\":true,\"statements\":[").endsWith("\"warnings\":[]}\n");
        assertThat(r.out().lines()).hasSize(1);
    }
}
