package dev.flinkship.sqlrunner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Flinkship SQL runner.
 *
 * <pre>
 *   SqlRunner --script /path/job.sql   run the script as one Flink job (the job's entry class)
 *   SqlRunner --check /path/job.sql    parse and check it, print one JSON document, no job
 * </pre>
 *
 * Exit codes: 0 done (in run mode: the job was submitted), 2 a mistake in the arguments or the
 * script (one message on stderr, or check mode's JSON with ok=false), 1 anything else.
 */
public final class SqlRunner {

    static final String USAGE = "usage: SqlRunner --script <job.sql> | --check <job.sql>";

    private SqlRunner() {}

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        // Success returns normally: in an application cluster System.exit would end the
        // JobManager process before the submitted job runs.
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /** The whole program but the exit: returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length != 2 || !(args[0].equals("--script") || args[0].equals("--check"))) {
                throw new UserError(
                        (args.length == 0 ? "no arguments" : "unexpected arguments " + String.join(" ", args))
                                + "; "
                                + USAGE);
            }
            String sql = read(args[1]);
            if (args[0].equals("--check")) {
                return CheckMode.run(sql, out);
            }
            // TableRunner is the only class that uses Flink: loaded here, after the script passed
            // the parse and the run-mode rules (which need no Flink).
            Script script = Script.parse(sql);
            script.checkRunnable();
            TableRunner.run(script, Map.of(), out);
            return 0;
        } catch (UserError e) {
            err.println(TableRunner.PREFIX + e.describe());
            return UserError.EXIT_CODE;
        }
    }

    static String read(String file) throws UserError {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new UserError("cannot read " + file + ": it is a directory");
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            String text =
                    StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
            // A byte order mark is not part of the first line's columns.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw new UserError("cannot read " + file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new UserError("cannot read " + file + ": not UTF-8");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }
}
