package dev.flinkship.sqlrunner;

/**
 * A mistake in the arguments or the script: reported as one message (with its position when it
 * has one), never a stack trace, and the runner exits with {@link #EXIT_CODE}.
 */
public final class UserError extends Exception {

    public static final int EXIT_CODE = 2;

    private final int line;
    private final int column;

    public UserError(String message) {
        this(message, 0, 0);
    }

    /** {@code line} and {@code column} are 1-based positions in the script; 0 when unknown. */
    public UserError(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message prefixed with its position, for one line of stderr. */
    public String describe() {
        return line > 0 ? "line " + line + ", column " + column + ": " + getMessage() : getMessage();
    }

    /**
     * The messages of {@code t} and its causes, without repetitions, joined with ": ". A first
     * sentence Flink repeats ("SQL validation failed. SQL validation failed. From line ...") is
     * kept once.
     */
    public static String messageChain(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if (m == null || m.isBlank() || out.indexOf(m.strip()) >= 0) {
                continue;
            }
            if (out.length() > 0) {
                out.append(": ");
            }
            out.append(m.strip());
        }
        if (out.length() == 0) {
            return t.getClass().getName();
        }
        String message = out.toString();
        int end = message.indexOf(". ");
        if (end > 0) {
            String first = message.substring(0, end + 2);
            while (message.startsWith(first + first)) {
                message = message.substring(first.length());
            }
        }
        return message;
    }
}
