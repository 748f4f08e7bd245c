package dev.flinkship.sqlrunner;

/**
 * The runner cannot work where it runs (Flink's table jars are not on the class path): not the
 * script's fault. One message on stderr, exit code {@link #EXIT_CODE}.
 */
public final class SetupError extends Exception {

    public static final int EXIT_CODE = 1;

    public SetupError(String message) {
        super(message);
    }
}
