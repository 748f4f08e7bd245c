package dev.flinkship.standins;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The HTTP endpoint a probe asks: 200 "ok" for every path under `path`, as long as the process runs. */
final class Health {
  private Health() {}

  static void serve(int port, String path) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(port), 0);
    http.createContext(
        path,
        ex -> {
          byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, ok.length);
          ex.getResponseBody().write(ok);
          ex.close();
        });
    http.start();
  }
}
