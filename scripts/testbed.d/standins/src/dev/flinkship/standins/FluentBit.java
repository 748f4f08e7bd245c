package dev.flinkship.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A STAND-IN for Fluent Bit 4.1 (its binary cannot be built or pulled here), run in Fluent Bit's place
 * in the DaemonSet Flinkship renders, with the configuration Flinkship renders, read by an independent
 * parser of the classic format (FluentBitConfig). It ships what Fluent Bit would: the tail input over the
 * node's /var/log/containers/*.log (CRI format, partial lines joined as the cri multiline parser joins
 * them), the kubernetes filter (pod metadata from the API server, Merge_Log of a JSON log line, Keep_Log),
 * and the kafka output (Format json, the record's time as Timestamp_Key in Fluent Bit's "double" format,
 * acks as configured). Health on HTTP_Port /api/v1/health. Positions are kept in memory only.
 */
public final class FluentBit {
  private static final Pattern CRI = Pattern.compile("^(\\S+) (stdout|stderr) ([PF]) (.*)$");
  private static final Pattern CONTAINER_LOG =
      Pattern.compile("^([^_]+)_([^_]+)_(.+)-([a-f0-9]{64})\\.log$");

  private final FluentBitConfig.Section input;
  private final FluentBitConfig.Section filter;
  private final FluentBitConfig.Section output;
  private final KafkaProducer<String, String> producer;
  private final K8s k8s;
  private final Map<Path, Long> offsets = new HashMap<>();
  private final Map<Path, StringBuilder> partial = new HashMap<>();
  private final Map<String, JsonNode> pods = new HashMap<>();
  private long shipped;

  FluentBit(FluentBitConfig config) throws Exception {
    input = config.one("input", "tail");
    filter = config.one("filter", "kubernetes");
    output = config.one("output", "kafka");
    if (!"cri".equalsIgnoreCase(input.get("multiline.parser")))
      throw new FluentBitConfig.Invalid("[input] tail: the stand-in reads CRI logs only (multiline.parser cri)");
    if (!"json".equalsIgnoreCase(output.get("format")))
      throw new FluentBitConfig.Invalid("[output] kafka: the stand-in writes Format json only");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, output.get("brokers"));
    p.put(ProducerConfig.ACKS_CONFIG, output.entries().getOrDefault("rdkafka.request.required.acks", "1"));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    producer = new KafkaProducer<>(p);
    k8s = new K8s();
  }

  public static void main(String[] args) throws Exception {
    // As fluent-bit: -c <file>, and --dry-run to check the configuration and exit.
    boolean dryRun = args.length == 3 && args[0].equals("--dry-run");
    String[] rest = dryRun ? new String[] {args[1], args[2]} : args;
    if (rest.length != 2 || !rest[0].equals("-c")) {
      System.err.println("usage: fluent-bit [--dry-run] -c <classic configuration file>");
      System.exit(1);
    }
    String file = rest[1];
    FluentBitConfig config;
    FluentBit shipper;
    try {
      config = FluentBitConfig.parse(Files.readString(Path.of(file), StandardCharsets.UTF_8));
      config.one("service", null);
      if (dryRun) {
        config.one("input", "tail");
        config.one("filter", "kubernetes");
        config.one("output", "kafka");
        System.out.println("configuration test is successful");
        return;
      }
      shipper = new FluentBit(config);
    } catch (FluentBitConfig.Invalid e) {
      System.err.println("[error] " + file + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    FluentBitConfig.Section service = config.one("service", null);
    if (FluentBitConfig.on(service.get("http_server"))) {
      Health.serve(Integer.parseInt(service.get("http_port")), "/api/v1/health");
    }
    log("[info] stand-in for Fluent Bit: tail " + shipper.input.get("path") + " -> kafka " + shipper.output.get("brokers")
        + " topic " + shipper.output.get("topics"));
    long refreshMs = (long) (Double.parseDouble(shipper.input.entries().getOrDefault("refresh_interval", "60")) * 1000);
    long lastScan = 0;
    while (true) {
      if (System.currentTimeMillis() - lastScan >= refreshMs) {
        shipper.discover();
        lastScan = System.currentTimeMillis();
      }
      shipper.readAll();
      shipper.producer.flush();
      Thread.sleep(250);
    }
  }

  static void log(String line) {
    System.out.println(Instant.now() + " " + line);
  }

  private void discover() throws IOException {
    Path glob = Path.of(input.get("path"));
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    boolean fromHead = FluentBitConfig.on(input.get("read_from_head"));
    try (Stream<Path> files = Files.list(glob.getParent())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!matcher.matches(f) || offsets.containsKey(f)) continue;
        offsets.put(f, fromHead ? 0L : Files.size(f));
        log("[info] [input:tail] inotify_fs_add(): name=" + f);
      }
    }
  }

  private void readAll() {
    for (Map.Entry<Path, Long> e : offsets.entrySet()) {
      Path f = e.getKey();
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
        long offset = raf.length() < e.getValue() ? 0 : e.getValue(); // Rotated: from the start.
        raf.seek(offset);
        byte[] buf = new byte[(int) Math.min(raf.length() - offset, 4 << 20)];
        raf.readFully(buf);
        int start = 0;
        for (int i = 0; i < buf.length; i++) {
          if (buf[i] != '\n') continue;
          line(f, new String(buf, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
        e.setValue(offset + start); // An incomplete last line is read again when it is complete.
      } catch (Exception ex) {
        if (!Files.exists(f)) continue;
        log("[warn] [input:tail] " + f + ": " + ex);
      }
    }
    offsets.keySet().removeIf(f -> !Files.exists(f));
  }

  private void line(Path file, String line) throws Exception {
    Matcher m = CRI.matcher(line);
    if (!m.matches()) return;
    StringBuilder joined = partial.computeIfAbsent(file, k -> new StringBuilder()).append(m.group(4));
    if (m.group(3).equals("P")) return;
    partial.remove(file);
    String tag = input.get("tag").replace("*", file.toString().substring(1).replace('/', '.'));
    ObjectNode record = K8s.JSON.createObjectNode();
    Instant time = Instant.parse(m.group(1));
    // Fluent Bit's Timestamp_Format double: seconds with six decimals, never in exponent notation.
    record.put(
        output.entries().getOrDefault("timestamp_key", "@timestamp"),
        BigDecimal.valueOf(time.getEpochSecond()).add(BigDecimal.valueOf(time.getNano(), 9)).setScale(6, RoundingMode.DOWN));
    record.put("time", m.group(1));
    record.put("stream", m.group(2));
    record.put("_p", "F");
    record.put("log", joined.toString());
    if (FluentBitConfig.matches(filter.get("match"), tag)) kubernetes(tag, record);
    if (!FluentBitConfig.matches(output.get("match"), tag)) return;
    producer.send(
        new ProducerRecord<>(output.get("topics").split(",")[0].strip(), K8s.JSON.writeValueAsString(record)),
        (meta, err) -> {
          if (err != null) log("[error] [output:kafka] " + err);
        });
    if (++shipped % 100 == 1) log("[info] [output:kafka] shipped " + shipped + " records");
  }

  /** The kubernetes filter: the pod's metadata by the tag, and the log line merged when it is JSON. */
  private void kubernetes(String tag, ObjectNode record) {
    String prefix = filter.entries().getOrDefault("kube_tag_prefix", "kube.var.log.containers.");
    if (!tag.startsWith(prefix)) return;
    Matcher m = CONTAINER_LOG.matcher(tag.substring(prefix.length()));
    if (!m.matches()) return;
    String pod = m.group(1), ns = m.group(2), container = m.group(3);
    ObjectNode meta = K8s.JSON.createObjectNode();
    meta.put("pod_name", pod);
    meta.put("namespace_name", ns);
    JsonNode p = pods.computeIfAbsent(ns + "/" + pod, k -> {
      try {
        return k8s.get("/api/v1/namespaces/" + ns + "/pods/" + pod);
      } catch (Exception e) {
        log("[warn] [filter:kubernetes] cannot read pod " + k + ": " + e.getMessage());
        return null;
      }
    });
    if (p != null) {
      meta.put("pod_id", p.path("metadata").path("uid").asText());
      meta.put("host", p.path("spec").path("nodeName").asText());
    }
    meta.put("container_name", container);
    meta.put("docker_id", m.group(4));
    if (p != null) {
      for (JsonNode s : p.path("status").path("containerStatuses")) {
        if (!container.equals(s.path("name").asText())) continue;
        meta.put("container_hash", s.path("imageID").asText());
        meta.put("container_image", s.path("image").asText());
      }
    }
    if (FluentBitConfig.on(filter.get("merge_log"))) {
      try {
        JsonNode parsed = K8s.JSON.readTree(record.path("log").asText());
        if (parsed != null && parsed.isObject()) {
          if (!FluentBitConfig.on(filter.entries().getOrDefault("keep_log", "on"))) record.remove("log");
          parsed.fields().forEachRemaining(f -> record.set(f.getKey(), f.getValue()));
        }
      } catch (IOException notJson) {
        // Kept as the log string, as Fluent Bit keeps it.
      }
    }
    record.set("kubernetes", meta);
  }
}
