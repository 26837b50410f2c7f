package dev.marketplace.payment;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bank's HTTP API as a few lines of server on a free port (a component never depends on another
 * component's module, so payment's tests do not start the bank simulator): a start answers PENDING
 * with a 3-D Secure URL, and a test may fail every call with a status, set a payment's status at the
 * bank, and count the calls.
 */
final class ScriptedBank {
  /** How a void or a refund changes a payment at the bank. */
  enum Rules {
    /** Any payment is voided or refunded, whatever its status. */
    LENIENT,
    /** The simulator's: only a PENDING payment can be voided and only a CAPTURED one refunded; otherwise 409 with its status. */
    SIMULATOR
  }

  /** 0: the bank answers; otherwise this HTTP status to every API call. */
  volatile int failsWith;
  /** Every API call, failed or not. */
  final AtomicInteger calls = new AtomicInteger();
  /** Every void call, failed or not. */
  final AtomicInteger voidCalls = new AtomicInteger();
  /** The bank's payment id ({@code bank-<payment id>}) → its status at the bank. */
  final Map<String, String> status = new ConcurrentHashMap<>();
  /** The bank's payment id → refund calls answered. */
  final Map<String, AtomicInteger> refunds = new ConcurrentHashMap<>();
  private final Rules rules;
  private int port;

  private ScriptedBank(Rules rules) {
    this.rules = rules;
  }

  /** A bank listening on 127.0.0.1 at a free port. */
  static Future<ScriptedBank> start(Vertx vertx, Rules rules) {
    ScriptedBank bank = new ScriptedBank(rules);
    return vertx.createHttpServer().requestHandler(bank::handle).listen(0, "127.0.0.1").map(server -> {
      bank.port = server.actualPort();
      return bank;
    });
  }

  /** The {@code payment.bank_url} to configure. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      String path = req.path();
      calls.incrementAndGet();
      if (path.endsWith("/void")) {
        voidCalls.incrementAndGet();
      }
      if (failsWith != 0) {
        req.response().setStatusCode(failsWith).end("{}");
        return;
      }
      int code = 200;
      JsonObject reply;
      if (path.equals("/api/payments")) {
        String id = "bank-" + body.toJsonObject().getString("reference");
        status.putIfAbsent(id, BankApi.PENDING);
        reply = new JsonObject().put("id", id).put("status", status.get(id)).put("confirm_url", "http://bank/3ds/" + id);
      } else {
        String id = path.split("/")[3];
        if (path.endsWith("/refund")) {
          refunds.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          if (rules == Rules.SIMULATOR) {
            status.computeIfPresent(id, (k, v) -> v.equals(BankApi.CAPTURED) ? BankApi.REFUNDED : v);
            code = BankApi.REFUNDED.equals(status.get(id)) ? 200 : 409;
          } else {
            status.put(id, BankApi.REFUNDED);
          }
        } else if (path.endsWith("/void")) {
          if (rules == Rules.SIMULATOR) {
            status.computeIfPresent(id, (k, v) -> v.equals(BankApi.PENDING) ? BankApi.VOIDED : v);
            code = Set.of(BankApi.VOIDED, BankApi.DECLINED).contains(status.get(id)) ? 200 : 409;
          } else {
            status.put(id, BankApi.VOIDED);
          }
        }
        reply = new JsonObject().put("id", id).put("status", status.get(id));
      }
      req.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(reply.encode());
    });
  }
}
