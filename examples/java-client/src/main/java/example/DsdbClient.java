package example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dsdb.Dsdb.Point;
import dsdb.Dsdb.WriteAck;
import dsdb.Dsdb.WriteRequest;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A DSDB client over the two protobuf write paths of docs/write.md, with the classes protoc
 * generates from the repository's dsdb.proto (package {@code dsdb}, outer class {@code Dsdb}):
 *
 * <ul>
 *   <li>HTTP: {@code POST /api/put?details&sync}, {@code Content-Type: application/x-protobuf},
 *       a WriteRequest body; the answer is OpenTSDB's JSON {@code {"success":S,"failed":F,"errors":[…]}}.
 *   <li>raw TCP, on the same port: the preamble {@code \0DSB} once, then per request a 4-byte
 *       big-endian length and the WriteRequest bytes; DSDB answers each, in order, with a WriteAck
 *       framed the same way.
 * </ul>
 *
 * and one read path, {@code GET /api/query}, whose JSON keeps 64-bit integers exact (Jackson reads
 * them as longs, never through a double).
 */
public final class DsdbClient implements AutoCloseable {
  private static final byte[] PREAMBLE = {0, 'D', 'S', 'B'};
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String host;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Socket socket;
  private DataInputStream in;
  private DataOutputStream out;
  private long nextId = 1;

  public DsdbClient(String host, int port) {
    this.host = host;
    this.port = port;
  }

  private String base() {
    return "http://" + host + ":" + port;
  }

  /** Posts the points as one WriteRequest; returns the put summary, throws on a non-200 answer. */
  public JsonNode putHttp(List<Point> points) throws IOException, InterruptedException {
    byte[] body = WriteRequest.newBuilder().addAllPoints(points).build().toByteArray();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base() + "/api/put?details&sync"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
    return JSON.readTree(response.body());
  }

  /** Sends one WriteRequest over raw TCP (connecting on first use) and waits for its WriteAck. */
  public WriteAck writeTcp(List<Point> points, boolean sync) throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.connect(new InetSocketAddress(host, port), 10_000);
      socket.setSoTimeout(30_000);
      in = new DataInputStream(socket.getInputStream());
      out = new DataOutputStream(socket.getOutputStream());
      out.write(PREAMBLE);
    }
    long id = nextId++;
    byte[] body = WriteRequest.newBuilder().addAllPoints(points).setSync(sync).setId(id).build().toByteArray();
    ByteArrayOutputStream frame = new ByteArrayOutputStream(4 + body.length);
    new DataOutputStream(frame).writeInt(body.length);
    frame.write(body);
    out.write(frame.toByteArray());
    out.flush();
    byte[] ack = new byte[in.readInt()];
    in.readFully(ack);
    WriteAck parsed = WriteAck.parseFrom(ack);
    if (parsed.getId() != id) throw new IOException("ack id " + parsed.getId() + " for request " + id);
    return parsed;
  }

  /** GET /api/query with one m= expression over [start, end] seconds, in millisecond resolution. */
  public JsonNode query(long start, long end, String m) throws IOException, InterruptedException {
    String url = base() + "/api/query?ms=true&start=" + start + "&end=" + end + "&m=" + URLEncoder.encode(m, StandardCharsets.UTF_8);
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
    return JSON.readTree(response.body());
  }

  @Override
  public void close() throws IOException {
    if (socket != null) socket.close();
  }
}
