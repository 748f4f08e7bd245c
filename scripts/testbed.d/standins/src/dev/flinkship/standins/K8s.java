package dev.flinkship.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Kubernetes API from inside a pod, as client libraries reach it: https://$KUBERNETES_SERVICE_HOST,
 * the service account's token (read for every request: projected tokens rotate) and its CA.
 */
final class K8s {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SA = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  /** An API answer of 400 or more, with its status and the API's own message. */
  static final class ApiError extends IOException {
    final int status;

    ApiError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final HttpClient http;
  private final String base;

  K8s() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(SA.resolve("ca.crt"))) {
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, cert);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    String host = System.getenv("KUBERNETES_SERVICE_HOST");
    String port = System.getenv().getOrDefault("KUBERNETES_SERVICE_PORT", "443");
    if (host == null) throw new IllegalStateException("KUBERNETES_SERVICE_HOST is not set: not in a pod");
    base = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return call("GET", path, null, null);
  }

  /** Server-side apply of `obj` (JSON is YAML) with this field manager, forcing ownership. */
  JsonNode apply(String path, JsonNode obj, String manager) throws IOException, InterruptedException {
    return call(
        "PATCH",
        path + "?fieldManager=" + manager + "&force=true",
        JSON.writeValueAsString(obj),
        "application/apply-patch+yaml");
  }

  JsonNode putStatus(String path, JsonNode obj) throws IOException, InterruptedException {
    return call("PUT", path + "/status", JSON.writeValueAsString(obj), "application/json");
  }

  JsonNode call(String method, String path, String body, String contentType)
      throws IOException, InterruptedException {
    String token = Files.readString(SA.resolve("token"), StandardCharsets.UTF_8).trim();
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json");
    if (body == null) req.method(method, HttpRequest.BodyPublishers.noBody());
    else req.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() >= 400) {
      String message = res.body();
      try {
        message = JSON.readTree(res.body()).path("message").asText(message);
      } catch (IOException ignored) {
        // Not JSON: the body as it came.
      }
      throw new ApiError(res.statusCode(), method + " " + path + ": " + res.statusCode() + " " + message);
    }
    return JSON.readTree(res.body());
  }
}
