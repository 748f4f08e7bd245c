package dev.flinkship.sqlrunner;

/** Just enough JSON writing for check mode's one document. */
final class Json {

    private final StringBuilder out = new StringBuilder();
    /** Whether the next member or element needs a comma before it. */
    private boolean comma;

    Json beginObject() {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    Json endObject() {
        out.append('}');
        comma = true;
        return this;
    }

    Json beginArray(String name) {
        name(name);
        out.append('[');
        comma = false;
        return this;
    }

    Json endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    Json field(String name, String value) {
        name(name);
        string(value);
        comma = true;
        return this;
    }

    Json field(String name, long value) {
        name(name);
        out.append(value);
        comma = true;
        return this;
    }

    Json field(String name, boolean value) {
        name(name);
        out.append(value);
        comma = true;
        return this;
    }

    /** A member that holds an object: {@code name(...)} then {@link #beginObject()}. */
    Json name(String name) {
        separate();
        string(name);
        out.append(':');
        comma = false;
        return this;
    }

    private void separate() {
        if (comma) {
            out.append(',');
        }
    }

    private void string(String s) {
        if (s == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
