// Dumps every ConfigOption that Flink's own jars define, as JSON on stdout, for one Flink version: the
// classpath holds that version's jars (resolved from Maven Central by scripts/flink-options/generate), the
// arguments name the jars to scan. Only reflection: one program for every Flink version, no compile-time
// Flink dependency. Classes are loaded without initialisation first; only those that declare a static
// ConfigOption field are initialised to read it. A class that cannot load is skipped and counted.
import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

public class DumpOptions {
  static final class Opt {
    String key, type, defaultValue, declaredIn;
    boolean list, deprecated, sensitive;
    List<String> enumValues;
    TreeSet<String> deprecatedKeys = new TreeSet<>(), fallbackKeys = new TreeSet<>();
  }

  public static void main(String[] args) throws Exception {
    ClassLoader loader = DumpOptions.class.getClassLoader();
    Class<?> configOption = Class.forName("org.apache.flink.configuration.ConfigOption", false, loader);
    Method key = configOption.getMethod("key");
    Method hasDefault = configOption.getMethod("hasDefaultValue");
    Method defaultValue = configOption.getMethod("defaultValue");
    Method fallbackKeys = configOption.getMethod("fallbackKeys");
    Method getClazz = configOption.getDeclaredMethod("getClazz");
    getClazz.setAccessible(true);
    Method isList = configOption.getDeclaredMethod("isList");
    isList.setAccessible(true);
    Class<?> fallbackKey = Class.forName("org.apache.flink.configuration.FallbackKey", false, loader);
    Method fkKey = fallbackKey.getMethod("getKey");
    Method fkDeprecated = fallbackKey.getMethod("isDeprecated");
    Method isSensitive =
        Class.forName("org.apache.flink.configuration.GlobalConfiguration", false, loader)
            .getMethod("isSensitive", String.class);
    Method formatDuration = null;
    try {
      formatDuration =
          Class.forName("org.apache.flink.util.TimeUtils", false, loader)
              .getMethod("formatWithHighestUnit", java.time.Duration.class);
    } catch (ReflectiveOperationException e) {
      // older versions: Duration.toString()
    }

    Map<String, Opt> options = new TreeMap<>();
    int scanned = 0, skipped = 0;
    for (String jar : args) {
      try (JarFile jf = new JarFile(new File(jar))) {
        for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
          String name = en.nextElement().getName();
          if (!name.endsWith(".class") || !name.startsWith("org/apache/flink/") || name.contains("/shaded/"))
            continue;
          String cls = name.substring(0, name.length() - 6).replace('/', '.');
          scanned++;
          Class<?> c;
          List<Field> fields = new ArrayList<>();
          try {
            c = Class.forName(cls, false, loader);
            for (Field f : c.getDeclaredFields()) {
              if (Modifier.isStatic(f.getModifiers()) && configOption.isAssignableFrom(f.getType())) fields.add(f);
            }
          } catch (Throwable t) {
            skipped++;
            continue;
          }
          if (fields.isEmpty()) continue;
          for (Field f : fields) {
            Object o;
            try {
              f.setAccessible(true);
              o = f.get(null);
            } catch (Throwable t) {
              skipped++;
              continue;
            }
            if (o == null) continue;
            String k = (String) key.invoke(o);
            Opt opt = options.get(k);
            boolean fresh = opt == null;
            if (fresh) {
              opt = new Opt();
              opt.key = k;
              opt.declaredIn = cls;
              Class<?> clazz = (Class<?>) getClazz.invoke(o);
              opt.type = clazz.isEnum() ? "enum" : clazz.getSimpleName();
              opt.list = (Boolean) isList.invoke(o);
              if (clazz.isEnum()) {
                opt.enumValues = new ArrayList<>();
                for (Object e : clazz.getEnumConstants()) opt.enumValues.add(e.toString());
              }
            }
            // A later declaration of the same key may carry the default an earlier one lacks.
            if (opt.defaultValue == null && (Boolean) hasDefault.invoke(o)) {
              Object d = defaultValue.invoke(o);
              if (d instanceof java.time.Duration && formatDuration != null)
                opt.defaultValue = (String) formatDuration.invoke(null, d);
              else if (d instanceof List) {
                List<String> parts = new ArrayList<>();
                for (Object x : (List<?>) d) parts.add(String.valueOf(x));
                opt.defaultValue = String.join(";", parts);
              } else opt.defaultValue = String.valueOf(d);
            }
            if (fresh) {
              opt.sensitive = (Boolean) isSensitive.invoke(null, k);
              options.put(k, opt);
            }
            // Deprecated only when every declaration of the key is: a key moved to a new class keeps a
            // deprecated declaration in the old one (1.20: execution.checkpointing.interval).
            boolean thisDeprecated =
                f.isAnnotationPresent(Deprecated.class) || f.getDeclaringClass().isAnnotationPresent(Deprecated.class);
            opt.deprecated = fresh ? thisDeprecated : opt.deprecated && thisDeprecated;
            for (Object fk : (Iterable<?>) fallbackKeys.invoke(o)) {
              String fkName = (String) fkKey.invoke(fk);
              if ((Boolean) fkDeprecated.invoke(fk)) opt.deprecatedKeys.add(fkName);
              else opt.fallbackKeys.add(fkName);
            }
          }
        }
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("{\n  \"scannedClasses\": ").append(scanned).append(",\n  \"skippedClasses\": ").append(skipped);
    out.append(",\n  \"options\": {");
    boolean first = true;
    for (Opt o : options.values()) {
      out.append(first ? "\n" : ",\n");
      first = false;
      out.append("    ").append(str(o.key)).append(": {\"type\": ").append(str(o.type));
      if (o.list) out.append(", \"list\": true");
      if (o.enumValues != null) out.append(", \"values\": ").append(arr(o.enumValues));
      if (o.defaultValue != null) out.append(", \"default\": ").append(str(o.defaultValue));
      if (o.deprecated) out.append(", \"deprecated\": true");
      if (o.sensitive) out.append(", \"sensitive\": true");
      if (!o.deprecatedKeys.isEmpty()) out.append(", \"deprecatedKeys\": ").append(arr(o.deprecatedKeys));
      if (!o.fallbackKeys.isEmpty()) out.append(", \"fallbackKeys\": ").append(arr(o.fallbackKeys));
      out.append("}");
    }
    out.append("\n  }\n}\n");
    System.out.print(out);
  }

  static String arr(Iterable<String> xs) {
    StringBuilder b = new StringBuilder("[");
    for (String x : xs) b.append(b.length() > 1 ? ", " : "").append(str(x));
    return b.append("]").toString();
  }

  static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
          else b.append(ch);
        }
      }
    }
    return b.append('"').toString();
  }
}
