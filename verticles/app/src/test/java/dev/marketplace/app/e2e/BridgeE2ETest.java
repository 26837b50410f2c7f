package dev.marketplace.app.e2e;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP event bus bridge over the whole marketplace, spoken with plain sockets in the standard
 * framing: a buyer who listens on {@code bridge.user.<id>} hears the order go PAID when the bank
 * confirms, sees that order over the bridge exactly as HTTP shows it, and another buyer does not.
 */
class BridgeE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start();
    shop = new ShopClient(market);
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  @Test
  void aBuyerHearsTheirOrderPaidLiveAndOnlyTheyCanReadIt() throws Exception {
    String seller = shop.token("seller");
    String product = shop.product(seller, "Чайник", 249_000, 5);
    String[] buyer = shop.buyerWith(product, 1);
    String buyerId = me(buyer[0]);
    String[] stranger = shop.buyerWith(product, 1);

    try (Frames mine = new Frames(market.bridgePort); Frames theirs = new Frames(market.bridgePort)) {
      JsonObject auth = new JsonObject().put("authorization", "Bearer " + buyer[0]);
      mine.write(new JsonObject().put("type", "register").put("address", "bridge.user." + buyerId).put("headers", auth));
      theirs.write(new JsonObject().put("type", "register").put("address", "bridge.user." + buyerId)
        .put("headers", new JsonObject().put("authorization", "Bearer " + stranger[0])));
      JsonObject refused = theirs.read();
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(403);
      assertThat(refused.getString("message")).isEqualTo("access_denied");
      mine.write(new JsonObject().put("type", "ping"));
      assertThat(mine.read().getString("type")).isEqualTo("pong");

      HttpResponse<Buffer> checkout = await(shop.checkout(buyer, UUID.randomUUID().toString()));
      assertThat(checkout.statusCode()).as(checkout.bodyAsString()).isEqualTo(201);
      String orderId = checkout.bodyAsJsonObject().getString("order_id");
      assertThat(shop.threeDs(checkout.bodyAsJsonObject().getString("payment_url"), "confirm").statusCode()).isLessThan(400);

      List<JsonObject> heard = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (heard.stream().noneMatch(BridgeE2ETest::paid) && System.currentTimeMillis() < deadline) {
        JsonObject frame = mine.poll(500);
        if (frame != null) {
          assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("message");
          assertThat(frame.getString("address")).isEqualTo("bridge.user." + buyerId);
          heard.add(frame.getJsonObject("body"));
        }
      }
      JsonObject paid = heard.stream().filter(BridgeE2ETest::paid).findFirst().orElseThrow(() ->
        new AssertionError("no OrderStatusChanged PAID on bridge.user.<id>; heard " + heard));
      assertThat(paid.getString("order_id")).isEqualTo(orderId);
      assertThat(paid.getString("at")).isNotBlank();

      shop.waitForStatus(buyer, orderId, "PAID");
      JsonObject viaBridge = mine.request("bridge.orders.get", new JsonObject().put("id", orderId), auth);
      assertThat(viaBridge.getString("type")).as(viaBridge.encode()).isEqualTo("message");
      assertThat(viaBridge.getJsonObject("body")).isEqualTo(shop.order(buyer, orderId));
      JsonObject list = mine.request("bridge.orders.list", new JsonObject(), auth);
      assertThat(list.getJsonObject("body").getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo(orderId);
      JsonObject foreign = theirs.request("bridge.orders.get", new JsonObject().put("id", orderId),
        new JsonObject().put("authorization", "Bearer " + stranger[0]));
      assertThat(foreign.getString("type")).isEqualTo("err");
      assertThat(foreign.getInteger("failureCode")).isEqualTo(404);
      assertThat(foreign.getString("message")).isEqualTo("NOT_FOUND");
      // nothing of the buyer's feed reached the stranger's connection
      assertThat(theirs.poll(300)).isNull();
    }
  }

  private static boolean paid(JsonObject body) {
    return "OrderStatusChanged".equals(body.getString("type")) && "PAID".equals(body.getString("status"));
  }

  private static String me(String token) throws Exception {
    HttpResponse<Buffer> me = await(market.http.get("/api/v1/me").bearerTokenAuthentication(token).send());
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    return me.bodyAsJsonObject().getString("user_id", me.bodyAsJsonObject().getString("id"));
  }

  /** The TCP bridge's framing on a plain socket: a 4-byte big-endian length, then UTF-8 JSON. */
  private static final class Frames implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    Frames(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      out = new DataOutputStream(socket.getOutputStream());
      in = new DataInputStream(socket.getInputStream());
    }

    void write(JsonObject frame) throws IOException {
      byte[] bytes = frame.encode().getBytes(StandardCharsets.UTF_8);
      out.writeInt(bytes.length);
      out.write(bytes);
      out.flush();
    }

    JsonObject read() throws IOException {
      socket.setSoTimeout(10_000);
      byte[] frame = new byte[in.readInt()];
      in.readFully(frame);
      return new JsonObject(new String(frame, StandardCharsets.UTF_8));
    }

    JsonObject poll(int ms) throws IOException {
      socket.setSoTimeout(ms);
      try {
        int length = in.readInt();
        socket.setSoTimeout(10_000);
        byte[] frame = new byte[length];
        in.readFully(frame);
        return new JsonObject(new String(frame, StandardCharsets.UTF_8));
      } catch (SocketTimeoutException e) {
        return null;
      }
    }

    /** A send with a reply address; frames of the live feed that arrive first are skipped. */
    JsonObject request(String address, JsonObject body, JsonObject headers) throws IOException {
      String replyAddress = UUID.randomUUID().toString();
      write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
        .put("headers", headers).put("body", body));
      while (true) {
        JsonObject frame = read();
        if (replyAddress.equals(frame.getString("address"))) {
          return frame;
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
