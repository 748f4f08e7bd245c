// Asks Flink itself whether a JobManager or TaskManager with a given configuration would start: for each
// line on stdin, `<jobmanager|taskmanager> <key>=<value>;<key>=<value>...`, prints `ok` or Flink's
// IllegalConfigurationException message, from Flink's own memory utilities (JobManagerProcessUtils,
// TaskExecutorProcessUtils) on the classpath of the version under test. Used by
// test/integration/flink-memory.test.ts to hold flinkship's memory check (src/spec/flinkOptions.ts) to
// what Flink computes. Only reflection, so one program serves every Flink version.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class MemoryCheck {
  public static void main(String[] args) throws Exception {
    ClassLoader loader = MemoryCheck.class.getClassLoader();
    Class<?> configuration = Class.forName("org.apache.flink.configuration.Configuration", false, loader);
    Method setString = configuration.getMethod("setString", String.class, String.class);
    Class<?> jm = Class.forName("org.apache.flink.runtime.jobmanager.JobManagerProcessUtils", true, loader);
    Class<?> tm = Class.forName("org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils", true, loader);
    // 1.x reads the legacy heap options through processSpecFromConfigWithNewOptionToInterpretLegacyHeap
    // (what the JobManager's entry point calls); 2.x removed them and has processSpecFromConfig.
    Method jmLegacy = null, jmSpec = null;
    for (Method m : jm.getMethods()) {
      if (m.getName().equals("processSpecFromConfigWithNewOptionToInterpretLegacyHeap") && m.getParameterCount() == 2)
        jmLegacy = m;
      if (m.getName().equals("processSpecFromConfig") && m.getParameterCount() == 1) jmSpec = m;
    }
    Class<?> jmOptions = Class.forName("org.apache.flink.configuration.JobManagerOptions", true, loader);
    Object totalProcess = jmOptions.getField("TOTAL_PROCESS_MEMORY").get(null);
    Method tmSpec = tm.getMethod("processSpecFromConfig", configuration);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      line = line.trim();
      if (line.isEmpty()) continue;
      String[] parts = line.split(" ", 2);
      Object conf = configuration.getConstructor().newInstance();
      for (String kv : parts.length > 1 ? parts[1].split(";") : new String[0]) {
        int eq = kv.indexOf('=');
        if (eq > 0) setString.invoke(conf, kv.substring(0, eq), kv.substring(eq + 1));
      }
      try {
        if (parts[0].equals("jobmanager")) {
          if (jmLegacy != null) jmLegacy.invoke(null, conf, totalProcess);
          else jmSpec.invoke(null, conf);
        }
        else tmSpec.invoke(null, conf);
        System.out.println("ok");
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        System.out.println("refused: " + String.valueOf(cause.getMessage()).replace('\n', ' '));
      }
    }
  }
}
