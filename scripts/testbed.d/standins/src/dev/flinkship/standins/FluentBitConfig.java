package dev.flinkship.standins;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fluent Bit's classic configuration format, parsed independently of Flinkship's renderer, as Fluent Bit
 * documents it: sections in brackets, indented "Key Value" entries (keys case-insensitive, the value the
 * rest of the line), "#" comments. Only what the log-shipping stand-in can honour is accepted: the tail
 * input with the cri multiline parser, the kubernetes filter and the kafka output with json; any other
 * section, plugin or key fails the start, as an unknown key fails Fluent Bit's.
 */
final class FluentBitConfig {
  record Section(String kind, int line, Map<String, String> entries) {
    String get(String key) {
      return entries.get(key.toLowerCase(Locale.ROOT));
    }
  }

  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  private static final Map<String, Set<String>> KNOWN =
      Map.of(
          "service", Set.of("flush", "log_level", "http_server", "http_listen", "http_port", "health_check"),
          "input/tail",
          Set.of("name", "tag", "path", "multiline.parser", "read_from_head", "refresh_interval", "mem_buf_limit", "skip_long_lines"),
          "filter/kubernetes",
          Set.of("name", "match", "kube_tag_prefix", "merge_log", "keep_log", "labels", "annotations"),
          "output/kafka",
          Set.of("name", "match", "brokers", "topics", "format", "timestamp_key", "rdkafka.request.required.acks"));

  final List<Section> sections = new ArrayList<>();

  static FluentBitConfig parse(String text) throws Invalid {
    FluentBitConfig config = new FluentBitConfig();
    Section current = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String raw = lines[i];
      String line = raw.strip();
      int n = i + 1;
      if (line.isEmpty() || line.startsWith("#")) continue;
      if (line.startsWith("@")) throw new Invalid("line " + n + ": " + line + ": @INCLUDE and @SET are not supported");
      if (line.startsWith("[")) {
        if (!line.endsWith("]") || raw.startsWith(" ")) throw new Invalid("line " + n + ": not a section header: " + raw);
        String kind = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
        if (!Set.of("service", "input", "filter", "output").contains(kind))
          throw new Invalid("line " + n + ": unknown section [" + kind + "]");
        current = new Section(kind, n, new LinkedHashMap<>());
        config.sections.add(current);
        continue;
      }
      if (current == null) throw new Invalid("line " + n + ": an entry outside any section: " + raw);
      if (!raw.startsWith(" ") && !raw.startsWith("\t"))
        throw new Invalid("line " + n + ": an entry must be indented: " + raw);
      String[] kv = line.split("\\s+", 2);
      if (kv.length < 2) throw new Invalid("line " + n + ": " + kv[0] + " has no value");
      String key = kv[0].toLowerCase(Locale.ROOT);
      if (current.entries.put(key, kv[1].strip()) != null)
        throw new Invalid("line " + n + ": " + kv[0] + " is given twice in [" + current.kind + "]");
    }
    for (Section s : config.sections) {
      String plugin = s.kind.equals("service") ? "service" : s.kind + "/" + s.get("name");
      Set<String> known = KNOWN.get(plugin);
      if (known == null) throw new Invalid("line " + s.line + ": [" + s.kind + "] plugin " + s.get("name") + " is not supported by the stand-in");
      for (String key : s.entries.keySet()) {
        if (!known.contains(key)) throw new Invalid("line " + s.line + ": [" + plugin + "] has the unknown key " + key);
      }
    }
    return config;
  }

  Section one(String kind, String name) throws Invalid {
    List<Section> found =
        sections.stream()
            .filter(s -> s.kind.equals(kind) && (name == null || name.equalsIgnoreCase(s.get("name"))))
            .toList();
    if (found.size() != 1) throw new Invalid("expected one [" + kind + "]" + (name == null ? "" : " " + name) + ", found " + found.size());
    return found.get(0);
  }

  /** Fluent Bit's tag match: `*` stands for any run of characters, everything else for itself. */
  static boolean matches(String pattern, String tag) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*') regex.append(".*");
      else regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
    }
    return tag.matches(regex.toString());
  }

  static boolean on(String value) {
    return value != null && Set.of("on", "true", "yes", "1").contains(value.toLowerCase(Locale.ROOT));
  }
}
