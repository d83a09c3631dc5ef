package example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dsdb.Dsdb.Point;
import dsdb.Dsdb.WriteAck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one point of each numeric kind over protobuf, through HTTP and through raw TCP, reads
 * them back over /api/query and checks every value exactly: int64 at both ends of its range and
 * just past 2^53, doubles at their extremes, second and millisecond timestamps. Prints a JSON
 * summary and exits 1 on any mismatch.
 *
 * <pre>java -cp "$(bash build.sh)" example.WriteAndRead --port 4242 --metric java.rt</pre>
 */
public final class WriteAndRead {
  /** One point to write and what /api/query must give back for it. */
  record Sample(String key, long timestamp, boolean isInt, long i, double f) {
    static Sample ofLong(String key, long ts, long v) {
      return new Sample(key, ts, true, v, 0);
    }

    static Sample ofDouble(String key, long ts, double v) {
      return new Sample(key, ts, false, 0, v);
    }

    /** Timestamps up to 4294967295 are seconds, above that milliseconds (OpenTSDB's rule). */
    long millis() {
      return timestamp <= 4294967295L ? timestamp * 1000 : timestamp;
    }
  }

  static final List<Sample> SAMPLES = List.of(
      Sample.ofLong("int.max", 1356998400L, Long.MAX_VALUE),
      Sample.ofLong("int.min", 1356998400L, Long.MIN_VALUE),
      Sample.ofLong("int.2p53p1", 1356998400L, (1L << 53) + 1),
      Sample.ofLong("int.ms", 1356998400456L, -123456789012345678L),
      Sample.ofDouble("float", 1356998400L, 0.1),
      Sample.ofDouble("float.ms", 1356998400123L, -2.5e-300),
      Sample.ofDouble("float.max", 1356998400L, Double.MAX_VALUE));

  static List<Point> points(String metric, String via) {
    List<Point> out = new ArrayList<>();
    for (Sample s : SAMPLES) {
      Point.Builder p = Point.newBuilder().setMetric(metric).setTimestamp(s.timestamp()).putTags("via", via).putTags("k", s.key());
      if (s.isInt()) p.setIntValue(s.i());
      else p.setDoubleValue(s.f());
      out.add(p.build());
    }
    return out;
  }

  /** Checks one transport's series; adds a message per mismatch, returns the points that matched. */
  static int check(JsonNode series, String via, List<String> problems) {
    Map<String, JsonNode> byKey = new HashMap<>();
    for (JsonNode s : series) {
      if (via.equals(s.path("tags").path("via").asText())) byKey.put(s.path("tags").path("k").asText(), s);
    }
    int checked = 0;
    for (Sample want : SAMPLES) {
      JsonNode s = byKey.get(want.key());
      if (s == null) {
        problems.add(via + " " + want.key() + ": no series read back");
        continue;
      }
      JsonNode dps = s.path("dps");
      JsonNode got = dps.get(Long.toString(want.millis()));
      if (got == null || dps.size() != 1) {
        problems.add(via + " " + want.key() + ": want one point at " + want.millis() + " ms, got " + dps);
        continue;
      }
      if (want.isInt() ? !(got.isIntegralNumber() && got.canConvertToLong() && got.longValue() == want.i()) : !(got.isDouble() && got.doubleValue() == want.f())) {
        problems.add(via + " " + want.key() + ": want " + (want.isInt() ? Long.toString(want.i()) : Double.toString(want.f())) + ", got " + got);
        continue;
      }
      checked++;
    }
    return checked;
  }

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 4242;
    String metric = "java.client";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--metric" -> metric = args[i + 1];
        default -> {
          System.err.println("usage: WriteAndRead [--host H] [--port N] [--metric M]");
          System.exit(2);
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode summary = json.createObjectNode();
    List<String> problems = new ArrayList<>();
    try (DsdbClient client = new DsdbClient(host, port)) {
      JsonNode put = client.putHttp(points(metric, "http"));
      summary.putObject("http").put("success", put.path("success").asInt()).put("failed", put.path("failed").asInt());
      WriteAck ack = client.writeTcp(points(metric, "tcp"), true);
      summary.putObject("tcp").put("id", ack.getId()).put("written", ack.getWritten()).put("failed", ack.getFailed());
      if (!ack.getError().isEmpty() || ack.getFailed() != 0) problems.add("TCP write refused: " + ack);
      if (put.path("failed").asInt() != 0) problems.add("HTTP put refused points: " + put);
      JsonNode series = client.query(1356998000L, 1356999000L, "none:" + metric + "{via=*,k=*}");
      summary.put("checked", check(series, "http", problems) + check(series, "tcp", problems));
      summary.put("series", series.size());
    } catch (Exception e) {
      System.err.println("dsdb-java-client: " + e);
      System.exit(1);
    }
    System.out.println(json.writeValueAsString(summary));
    for (String p : problems) System.err.println("mismatch: " + p);
    System.exit(problems.isEmpty() ? 0 : 1);
  }
}
