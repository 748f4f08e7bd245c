package dev.flinkship.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * A STAND-IN for the Strimzi 1.2.0 cluster operator (its jars are not on Maven Central and no container
 * registry is reachable here), run in the operator's own Deployment, with its ServiceAccount and RBAC
 * from the upstream install files. It does what Flinkship relies on, for real:
 *
 * <ul>
 *   <li>a Kafka and its KafkaNodePool become one KRaft broker (Deployment {@code <cluster>-<pool>}, the
 *       image in spec.kafka.image, else in STANDIN_BROKER_IMAGE, which must be the testbed's Kafka
 *       image or one with its start script; spec.kafka.config passed through) behind Strimzi's Services
 *       {@code <cluster>-kafka-bootstrap:9092} and {@code <cluster>-kafka-brokers};
 *   <li>the Kafka is Ready only once that broker answers a Kafka admin request; its status then carries
 *       the broker's own cluster id, the listener's bootstrap address and the broker's Kafka version;
 *   <li>a KafkaTopic of a Ready cluster is created in that broker (partitions, replicas, config), and is
 *       Ready with the topic id the broker gave it; a broker's refusal is its NotReady message.
 * </ul>
 *
 * Not Strimzi: one broker per cluster (a pool of more replicas is refused in the status), no
 * StrimziPodSets, TLS, users, Connect or rolling updates. Probes on :8080 /healthy and /ready.
 */
public final class StrimziOperator {
  private static final String API = "/apis/kafka.strimzi.io/v1";
  private static final String MANAGER = "strimzi-cluster-operator";
  private static final String VERSION = "1.2.0";

  private final K8s k8s;
  private final String namespace;
  private final String brokerImage;
  private final Map<String, Admin> admins = new HashMap<>();

  StrimziOperator(K8s k8s, String namespace, String brokerImage) {
    this.k8s = k8s;
    this.namespace = namespace;
    this.brokerImage = brokerImage;
  }

  public static void main(String[] args) throws Exception {
    String ns = System.getenv("STRIMZI_NAMESPACE");
    String image = System.getenv("STANDIN_BROKER_IMAGE");
    if (ns == null || ns.isBlank() || ns.contains(",") || ns.equals("*")) {
      System.err.println("strimzi stand-in: watches exactly one namespace; STRIMZI_NAMESPACE=" + ns);
      System.exit(1);
    }
    if (image == null || image.isBlank()) {
      System.err.println("strimzi stand-in: STANDIN_BROKER_IMAGE is not set");
      System.exit(1);
    }
    Health.serve(8080, "/"); // Strimzi's probes: /healthy and /ready.
    StrimziOperator op = new StrimziOperator(new K8s(), ns.trim(), image);
    log("watching namespace " + ns + "; brokers run " + image + " (Kafka " + AppInfoParser.getVersion() + ")");
    while (true) {
      try {
        op.reconcileAll();
      } catch (Exception e) {
        log("reconcile failed: " + e);
      }
      Thread.sleep(2000);
    }
  }

  static void log(String line) {
    System.out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
  }

  void reconcileAll() throws Exception {
    JsonNode kafkas = k8s.get(API + "/namespaces/" + namespace + "/kafkas").path("items");
    Map<String, Boolean> ready = new HashMap<>();
    for (JsonNode kafka : kafkas) {
      String name = kafka.path("metadata").path("name").asText();
      try {
        ready.put(name, reconcileKafka(kafka));
      } catch (Exception e) {
        log("Kafka " + name + ": " + e);
        ready.put(name, false);
      }
    }
    for (JsonNode topic : k8s.get(API + "/namespaces/" + namespace + "/kafkatopics").path("items")) {
      String cluster = topic.path("metadata").path("labels").path("strimzi.io/cluster").asText("");
      try {
        reconcileTopic(topic, cluster, ready.getOrDefault(cluster, false));
      } catch (Exception e) {
        log("KafkaTopic " + topic.path("metadata").path("name").asText() + ": " + e);
      }
    }
  }

  private String bootstrap(String cluster) {
    return cluster + "-kafka-bootstrap." + namespace + ".svc:9092";
  }

  /** Applies the broker of `kafka` and sets its status; true when it is Ready. */
  private boolean reconcileKafka(JsonNode kafka) throws Exception {
    String name = kafka.path("metadata").path("name").asText();
    JsonNode pools =
        k8s.get(
                API
                    + "/namespaces/"
                    + namespace
                    + "/kafkanodepools?labelSelector=strimzi.io%2Fcluster%3D"
                    + name)
            .path("items");
    if (pools.size() != 1 || pools.get(0).path("spec").path("replicas").asInt() != 1) {
      return setStatus(
          kafka,
          "kafkas",
          notReady(kafka, "UnsupportedByStandIn", "the Strimzi stand-in runs one KafkaNodePool of one replica"));
    }
    String pool = pools.get(0).path("metadata").path("name").asText();
    applyBroker(kafka, name, pool);
    Optional<String> clusterId = answers(name);
    if (clusterId.isEmpty()) {
      return setStatus(kafka, "kafkas", notReady(kafka, "Creating", "Kafka cluster is being deployed" + brokerTrouble(name)));
    }
    ObjectNode status = base(kafka);
    status.set("conditions", conditions("Ready", null, null));
    ObjectNode listener = status.putArray("listeners").addObject();
    listener.put("name", "plain");
    ObjectNode address = listener.putArray("addresses").addObject();
    address.put("host", name + "-kafka-bootstrap." + namespace + ".svc");
    address.put("port", 9092);
    listener.put("bootstrapServers", bootstrap(name));
    status.putArray("kafkaNodePools").addObject().put("name", pool);
    status.put("clusterId", clusterId.get());
    status.put("operatorLastSuccessfulVersion", VERSION);
    status.put("kafkaVersion", AppInfoParser.getVersion());
    return setStatus(kafka, "kafkas", status);
  }

  /** What keeps the broker pods from answering, as the kubelet reports it ("" when nothing is known). */
  private String brokerTrouble(String cluster) throws Exception {
    JsonNode pods =
        k8s.get("/api/v1/namespaces/" + namespace + "/pods?labelSelector=strimzi.io%2Fname%3D" + cluster + "-kafka")
            .path("items");
    StringBuilder out = new StringBuilder();
    for (JsonNode pod : pods) {
      for (JsonNode c : pod.path("status").path("containerStatuses")) {
        String waiting = c.path("state").path("waiting").path("reason").asText("");
        JsonNode last = c.path("lastState").path("terminated");
        if (waiting.isEmpty() && last.isMissingNode()) continue;
        out.append("; pod ").append(pod.path("metadata").path("name").asText()).append(": ");
        out.append(waiting.isEmpty() ? "restarted" : waiting);
        if (!last.isMissingNode()) out.append(" (last exit code ").append(last.path("exitCode").asInt()).append(")");
        out.append(", ").append(c.path("restartCount").asInt()).append(" restarts");
      }
    }
    return out.toString();
  }

  /** The broker's cluster id once it answers a describeCluster, else empty. */
  private Optional<String> answers(String cluster) {
    Admin admin =
        admins.computeIfAbsent(
            cluster,
            c -> {
              Properties p = new Properties();
              p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(c));
              p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
              p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000);
              return Admin.create(p);
            });
    try {
      return Optional.of(
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(5000))
              .clusterId()
              .get(8, TimeUnit.SECONDS));
    } catch (Exception e) {
      // A client that failed may have lost its network thread: the next reconcile starts a new one.
      admins.remove(cluster);
      admin.close(java.time.Duration.ofSeconds(1));
      return Optional.empty();
    }
  }

  private void applyBroker(JsonNode kafka, String name, String pool) throws Exception {
    ObjectNode owner = K8s.JSON.createObjectNode();
    owner.put("apiVersion", "kafka.strimzi.io/v1");
    owner.put("kind", "Kafka");
    owner.put("name", name);
    owner.put("uid", kafka.path("metadata").path("uid").asText());
    owner.put("controller", false);
    owner.put("blockOwnerDeletion", false);
    Map<String, String> labels =
        Map.of(
            "strimzi.io/cluster", name,
            "strimzi.io/kind", "Kafka",
            "strimzi.io/name", name + "-kafka",
            "strimzi.io/pool-name", pool,
            "strimzi.io/broker-role", "true");
    StringBuilder overrides = new StringBuilder();
    kafka
        .path("spec")
        .path("kafka")
        .path("config")
        .fields()
        .forEachRemaining(e -> overrides.append(e.getKey()).append('=').append(e.getValue().asText()).append('\n'));

    ObjectNode deployment = object("apps/v1", "Deployment", name + "-" + pool, labels, owner);
    ObjectNode spec = deployment.putObject("spec");
    spec.put("replicas", 1);
    spec.putObject("strategy").put("type", "Recreate");
    spec.putObject("selector").set("matchLabels", K8s.JSON.valueToTree(Map.of("strimzi.io/name", name + "-kafka")));
    ObjectNode template = spec.putObject("template");
    template.putObject("metadata").set("labels", K8s.JSON.valueToTree(labels));
    ObjectNode podSpec = template.putObject("spec");
    podSpec.put("automountServiceAccountToken", false);
    ObjectNode security = podSpec.putObject("securityContext");
    security.put("runAsUser", 1001).put("runAsGroup", 1001).put("fsGroup", 1001);
    ObjectNode container = podSpec.putArray("containers").addObject();
    container.put("name", "kafka");
    // As Strimzi: spec.kafka.image when the Kafka names one (a mirror), else the operator's own choice.
    String image = kafka.path("spec").path("kafka").path("image").asText("");
    container.put("image", image.isEmpty() ? brokerImage : image);
    container.put("imagePullPolicy", "IfNotPresent");
    ArrayNode env = container.putArray("env");
    env.addObject().put("name", "KAFKA_ADVERTISED_HOST").put("value", name + "-kafka-bootstrap." + namespace + ".svc");
    env.addObject().put("name", "KAFKA_CONFIG_OVERRIDES").put("value", overrides.toString());
    container.putArray("ports").addObject().put("name", "tcp-clients").put("containerPort", 9092);
    ObjectNode probe = container.putObject("readinessProbe");
    probe.putObject("tcpSocket").put("port", 9092);
    probe.put("periodSeconds", 2).put("failureThreshold", 60);
    ObjectNode resources = container.putObject("resources");
    resources.putObject("requests").put("cpu", "100m").put("memory", "512Mi");
    resources.putObject("limits").put("memory", "768Mi");
    container.putArray("volumeMounts").addObject().put("name", "data").put("mountPath", "/var/lib/kafka/data");
    podSpec.putArray("volumes").addObject().put("name", "data").putObject("emptyDir");
    k8s.apply("/apis/apps/v1/namespaces/" + namespace + "/deployments/" + name + "-" + pool, deployment, MANAGER);

    for (boolean headless : List.of(false, true)) {
      String svcName = name + (headless ? "-kafka-brokers" : "-kafka-bootstrap");
      ObjectNode svc = object("v1", "Service", svcName, Map.of("strimzi.io/cluster", name, "strimzi.io/kind", "Kafka"), owner);
      ObjectNode s = svc.putObject("spec");
      if (headless) s.put("clusterIP", "None");
      s.set("selector", K8s.JSON.valueToTree(Map.of("strimzi.io/name", name + "-kafka")));
      s.putArray("ports").addObject().put("name", "tcp-clients").put("port", 9092).put("targetPort", 9092);
      k8s.apply("/api/v1/namespaces/" + namespace + "/services/" + svcName, svc, MANAGER);
    }
  }

  private ObjectNode object(String apiVersion, String kind, String name, Map<String, String> labels, ObjectNode owner) {
    ObjectNode o = K8s.JSON.createObjectNode();
    o.put("apiVersion", apiVersion);
    o.put("kind", kind);
    ObjectNode meta = o.putObject("metadata");
    meta.put("name", name);
    meta.put("namespace", namespace);
    meta.set("labels", K8s.JSON.valueToTree(labels));
    meta.putArray("ownerReferences").add(owner);
    return o;
  }

  private void reconcileTopic(JsonNode topic, String cluster, boolean clusterReady) throws Exception {
    String topicName = topic.path("spec").path("topicName").asText(topic.path("metadata").path("name").asText());
    if (!clusterReady) {
      setStatus(topic, "kafkatopics", notReady(topic, "Creating", "Kafka cluster " + cluster + " is not Ready"));
      return;
    }
    Admin admin = admins.get(cluster);
    int partitions = topic.path("spec").path("partitions").asInt(1);
    short replicas = (short) topic.path("spec").path("replicas").asInt(1);
    Map<String, String> config = new HashMap<>();
    topic.path("spec").path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
    try {
      admin.createTopics(List.of(new NewTopic(topicName, partitions, replicas).configs(config))).all().get(10, TimeUnit.SECONDS);
      log("created topic " + topicName + " in " + cluster + " (" + partitions + " partitions, " + replicas + " replicas)");
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        setStatus(topic, "kafkatopics", notReady(topic, e.getCause().getClass().getSimpleName(), e.getCause().getMessage()));
        return;
      }
    }
    TopicDescription description =
        admin.describeTopics(List.of(topicName)).allTopicNames().get(10, TimeUnit.SECONDS).get(topicName);
    ObjectNode status = base(topic);
    status.set("conditions", conditions("Ready", null, null));
    status.put("topicName", topicName);
    status.put("topicId", description.topicId().toString());
    setStatus(topic, "kafkatopics", status);
  }

  private static ObjectNode base(JsonNode obj) {
    ObjectNode status = K8s.JSON.createObjectNode();
    status.put("observedGeneration", obj.path("metadata").path("generation").asLong());
    return status;
  }

  private static ObjectNode notReady(JsonNode obj, String reason, String message) {
    ObjectNode status = base(obj);
    status.set("conditions", conditions("NotReady", reason, message));
    return status;
  }

  /** Strimzi writes times as yyyy-MM-ddTHH:mm:ssZ. */
  private static ArrayNode conditions(String type, String reason, String message) {
    ArrayNode list = K8s.JSON.createArrayNode();
    ObjectNode c = list.addObject();
    c.put("type", type);
    c.put("status", "True");
    c.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    if (reason != null) c.put("reason", reason);
    if (message != null) c.put("message", message);
    return list;
  }

  /** Writes `status` when its condition, reason or generation changed; true when it is Ready. */
  private boolean setStatus(JsonNode obj, String plural, ObjectNode status) throws Exception {
    JsonNode current = obj.path("status");
    JsonNode want = status.path("conditions").path(0);
    JsonNode have = current.path("conditions").path(0);
    boolean same =
        want.path("type").equals(have.path("type"))
            && want.path("reason").equals(have.path("reason"))
            && want.path("message").equals(have.path("message"))
            // By value: the API server's JSON reads back as an IntNode, ours is a LongNode (never equal).
            && status.path("observedGeneration").asLong(-1) == current.path("observedGeneration").asLong(-1)
            && status.path("topicId").equals(current.path("topicId"))
            && status.path("clusterId").equals(current.path("clusterId"));
    boolean ready = "Ready".equals(want.path("type").asText());
    if (same) return ready;
    ObjectNode body = obj.deepCopy();
    body.set("status", status);
    String name = obj.path("metadata").path("name").asText();
    k8s.putStatus(API + "/namespaces/" + namespace + "/" + plural + "/" + name, body);
    log(obj.path("kind").asText() + " " + name + " " + want.path("type").asText()
        + (want.has("reason") ? " (" + want.path("reason").asText() + ": " + want.path("message").asText() + ")" : ""));
    return ready;
  }
}
