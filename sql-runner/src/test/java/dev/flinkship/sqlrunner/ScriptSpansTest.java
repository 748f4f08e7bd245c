package dev.flinkship.sqlrunner;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cases of fixtures/sql-split, which Flinkship's validate (src/spec/sql.ts) reads too: the
 * runner's splitter must find the same statements at the same spans.
 */
class ScriptSpansTest {

    private static final Path CASES = Path.of("..", "fixtures", "sql-split");

    @TestFactory
    Stream<DynamicTest> splitsEverySharedCaseAsValidateDoes() throws IOException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(CASES)) {
            scripts = files.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
        assertThat(scripts).hasSizeGreaterThanOrEqualTo(3);
        return scripts.stream()
                .map(
                        sql ->
                                DynamicTest.dynamicTest(
                                        sql.getFileName().toString(),
                                        () -> {
                                            Script script =
                                                    Script.split(
                                                            Files.readString(
                                                                    sql, StandardCharsets.UTF_8));
                                            List<String> spans =
                                                    script.statements().stream()
                                                            .map(ScriptSpansTest::span)
                                                            .toList();
                                            Path expected =
                                                    Path.of(
                                                            sql.toString()
                                                                    .replaceAll("\\.sql$", ".spans"));
                                            assertThat(spans)
                                                    .isEqualTo(
                                                            Files.readAllLines(
                                                                            expected,
                                                                            StandardCharsets.UTF_8)
                                                                    .stream()
                                                                    .filter(l -> !l.isEmpty())
                                                                    .toList());
                                        }));
    }

    private static String span(Statement s) {
        String kind =
                s.kind().equals("INSERT") || s.kind().equals("STATEMENT_SET")
                        ? "INSERT"
                        : s.kind().equals("SET") ? "SET" : "OTHER";
        return kind + " " + s.line() + ":" + s.column() + "-" + s.endLine() + ":" + s.endColumn();
    }
}
