package dev.flinkship.sqlrunner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Flinkship SQL runner.
 *
 * <pre>
 *   SqlRunner --script /path/job.sql [--sha256 HEX]  run the script as one Flink job (the job's entry class)
 *   SqlRunner --check [--script] /path/job.sql       parse and plan it, print one JSON document, no job
 * </pre>
 *
 * With {@code --sha256} (Flinkship's deploy passes the SHA-256 of the spec's script) run mode first
 * checks that the script it was given is that script, byte for byte, and refuses to run another: an
 * image built from another version of the script never runs under this spec's name.
 *
 * The runner holds no parser: Flink's planner, from the class path (a Flink installation's lib/),
 * parses every statement. Exit codes: 0 done (in run mode: the job was submitted), 2 a mistake in
 * the arguments or the script (one message on stderr, or check mode's JSON with ok=false), 1
 * anything else (Flink's table jars missing: one message on stderr; an internal error).
 */
public final class SqlRunner {

    static final String USAGE =
            "usage: SqlRunner --script <job.sql> [--sha256 <hex>] | --check [--script] <job.sql>";

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
            boolean check;
            String file;
            String sha256 = null;
            if (args.length == 2 && (args[0].equals("--script") || args[0].equals("--check"))) {
                check = args[0].equals("--check");
                file = args[1];
            } else if (args.length == 3 && args[0].equals("--check") && args[1].equals("--script")) {
                check = true;
                file = args[2];
            } else if (args.length == 4 && args[0].equals("--script") && args[2].equals("--sha256")) {
                check = false;
                file = args[1];
                sha256 = args[3];
                if (!sha256.matches("[0-9a-f]{64}")) {
                    throw new UserError(
                            "--sha256: found \""
                                    + sha256
                                    + "\"; expected the script's SHA-256 as 64 lowercase hex digits");
                }
            } else {
                throw new UserError(
                        (args.length == 0 ? "no arguments" : "unexpected arguments " + String.join(" ", args))
                                + "; "
                                + USAGE);
            }
            byte[] bytes = readBytes(file);
            if (sha256 != null) {
                String actual = sha256Hex(bytes);
                if (!actual.equals(sha256)) {
                    throw new UserError(
                            "the script "
                                    + file
                                    + " is not the one this deploy runs: its sha256 is "
                                    + actual
                                    + ", the spec's script's is "
                                    + sha256
                                    + ". The image was built from another version of the script: deploy the"
                                    + " image built from this spec's commit (flinkship build), or the spec the"
                                    + " image was built from (its label dev.flinkship.sql.digest)");
                }
            }
            String sql = decode(file, bytes);
            if (check) {
                return CheckMode.run(sql, out);
            }
            Script script = Script.split(sql);
            requireFlink();
            // TableRunner is the only class that uses Flink: loaded after the check above.
            TableRunner.run(script, Map.of(), out);
            return 0;
        } catch (UserError e) {
            err.println(TableRunner.PREFIX + e.describe());
            return UserError.EXIT_CODE;
        } catch (SetupError e) {
            err.println(TableRunner.PREFIX + e.getMessage());
            return SetupError.EXIT_CODE;
        }
    }

    /** The classes the runner needs from a Flink installation's lib/, and where they come from. */
    private static final String[][] FLINK_LIB = {
        {"org.apache.flink.streaming.api.environment.StreamExecutionEnvironment", "flink-dist (Flink's runtime)"},
        {"org.apache.flink.table.api.internal.TableEnvironmentInternal", "flink-table-api-java-uber (the Table API)"},
        {"org.apache.flink.table.planner.loader.DelegatePlannerFactory|org.apache.flink.table.planner.delegation.DefaultPlannerFactory",
            "flink-table-planner-loader (the planner)"},
        {"org.apache.flink.table.runtime.typeutils.RowDataSerializer", "flink-table-runtime"},
    };

    /**
     * Fails unless Flink's table jars are on the class path: the runner parses and plans with the
     * planner of the Flink installation it runs in, and bundles none.
     */
    static void requireFlink() throws SetupError {
        List<String> missing = new ArrayList<>();
        for (String[] entry : FLINK_LIB) {
            boolean found = false;
            for (String name : entry[0].split("\\|")) {
                found |= present(name);
            }
            if (!found) {
                missing.add(entry[1]);
            }
        }
        if (!missing.isEmpty()) {
            throw new SetupError(
                    "Flink's table jars are not on the class path; missing: "
                            + String.join(", ", missing)
                            + ". The runner parses and plans the script with the planner of the Flink"
                            + " it runs on: run it with a Flink installation's lib/, e.g. java -cp"
                            + " '/opt/flink/lib/*:/opt/flink/usrlib/*' "
                            + SqlRunner.class.getName()
                            + " --check --script job.sql");
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, SqlRunner.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static byte[] readBytes(String file) throws UserError {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new UserError("cannot read " + file + ": it is a directory");
        }
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UserError("cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    static String decode(String file, byte[] bytes) throws UserError {
        try {
            String text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .decode(java.nio.ByteBuffer.wrap(bytes))
                            .toString();
            // A byte order mark is not part of the first line's columns.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new UserError("cannot read " + file + ": not UTF-8");
        }
    }

    /** The SHA-256 of the script's bytes, as Flinkship's spec loader computes it (sqlDigest). */
    static String sha256Hex(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder hex = new StringBuilder(64);
            for (byte b : d) {
                hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
