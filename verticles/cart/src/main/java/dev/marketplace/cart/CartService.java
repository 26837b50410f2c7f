package dev.marketplace.cart;

import dev.marketplace.contracts.cart.CartApi;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.cart.CartRequests;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.bus.RequestIds;
import dev.marketplace.platform.stock.SoldOutView;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The cart's operations ({@link CartAddresses}). Writes lock the cart row for their transaction, so
 * the per-cart limits hold under concurrent requests; calls to other components happen outside
 * transactions, so no lock waits on the network.
 *
 * <p>Every write is applied once per request id ({@code x-request-id}, see {@link RequestIds}): the
 * id's hash is recorded in the write's transaction, after the cart row is locked, so a repeat
 * (the gateway's retry on another node) waits for the first and then changes nothing, answering
 * the cart as it is. A guest cart created by a request gets an id derived from the request id,
 * so the repeat names the same cart.
 */
final class CartService {
  private final Pool pool;
  private final Neighbours neighbours;
  private final CartSettings settings;
  private final SoldOutView soldOut;

  CartService(Pool pool, Neighbours neighbours, CartSettings settings) {
    this(pool, neighbours, settings, new SoldOutView(0));
  }

  /** With {@code soldOut}: an addition of a product inventory says is sold out is refused from memory. */
  CartService(Pool pool, Neighbours neighbours, CartSettings settings, SoldOutView soldOut) {
    this.soldOut = soldOut;
    this.pool = pool;
    this.neighbours = neighbours;
    this.settings = settings;
  }

  /** Whose cart a request works on: a user's, or the guest cart named by the guest id (null: none yet). */
  private record Owner(String userId, String guestId, String requestId) {
    static Owner of(Message<?> msg) {
      Caller caller = Caller.of(msg);
      return new Owner(caller.userId(), caller.authenticated() ? null : msg.headers().get(CartAddresses.GUEST_CART_HEADER),
        RequestIds.of(msg));
    }

    boolean isUser() {
      return userId != null;
    }

    String kind() {
      return isUser() ? CartView.USER : CartView.GUEST;
    }
  }

  /** A cart locked for a write: its row id, the id its owner knows it by, and whether this write created it. */
  private record LockedCart(UUID id, String publicId, boolean created) {
  }

  // ---- cart.get

  Future<JsonObject> get(Message<JsonObject> msg) {
    Owner owner = Owner.of(msg);
    if (owner.isUser()) {
      return CartRepository.userCart(pool, owner.userId()).compose(found -> found
        .map(id -> view(msg, id, id.toString(), CartView.USER))
        .orElseGet(() -> Future.succeededFuture(CartView.empty(CartView.USER, settings.currency()))));
    }
    if (owner.guestId() == null) {
      return Future.succeededFuture(CartView.empty(CartView.GUEST, settings.currency()));
    }
    if (!GuestCartIds.wellFormed(owner.guestId())) {
      return Future.failedFuture(noSuchCart());
    }
    return CartRepository.guestCartTouching(pool, GuestCartIds.hash(owner.guestId())).compose(found -> found
      .map(id -> view(msg, id, owner.guestId(), CartView.GUEST))
      .orElseGet(() -> Future.failedFuture(noSuchCart())));
  }

  // ---- cart.add-item

  Future<JsonObject> addItem(CartRequests.ItemQuantity request, Message<JsonObject> msg) {
    UUID productId = request.productId();
    int quantity = request.quantity();
    Owner owner = Owner.of(msg);
    if (!owner.isUser() && owner.guestId() != null && !GuestCartIds.wellFormed(owner.guestId())) {
      return Future.failedFuture(noSuchCart());
    }
    if (soldOut.isSoldOut(productId.toString())) {
      // big sales: answered from the node's sold-out set, no database write, no bus hop
      return Future.failedFuture(ErrorCode.OUT_OF_STOCK.failure("The product is sold out.",
        new JsonObject().put("product_ids", new JsonArray().add(productId.toString()))));
    }
    return neighbours.products(msg, List.of(productId)).compose(products -> {
      CatalogProduct product = products.get(productId);
      if (product == null) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("There is no product " + productId + "."));
      }
      if (product.deleted()) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("The product " + productId + " is no longer sold.",
          new JsonObject().put("product_id", productId.toString())));
      }
      if (!product.price().currency().equals(settings.currency())) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("The product is priced in " + product.price().currency()
          + "; carts hold " + settings.currency() + " products only.", new JsonObject().put("product_id", productId.toString())));
      }
      return pool.withTransaction(tx -> lockForWrite(tx, owner, true)
        .compose(cart -> once(tx, owner, cart, () -> CartRepository.lines(tx, cart.id())
          .compose(lines -> addToLines(tx, cart.id(), lines, product, quantity))
          .compose(x -> CartRepository.touch(tx, cart.id())))));
    }).compose(cart -> view(msg, cart.id(), cart.publicId(), owner.kind())
      .map(view -> cart.created() ? view.put("created", true) : view));
  }

  private Future<Void> addToLines(SqlClient tx, UUID cartId, List<CartLine> lines, CatalogProduct product, int quantity) {
    Optional<CartLine> existing = lines.stream().filter(l -> l.productId().equals(product.id())).findFirst();
    if (existing.isPresent()) {
      long sum = (long) existing.get().quantity() + quantity;
      if (sum > settings.maxQuantityPerLine()) {
        return Future.failedFuture(JsonValidator.of(new JsonObject()).error("quantity", "would make " + sum
          + " of this product; a cart holds at most " + settings.maxQuantityPerLine() + " of one product").failure());
      }
      return CartRepository.setQuantity(tx, cartId, product.id(), (int) sum).mapEmpty();
    }
    if (lines.size() >= settings.maxLines()) {
      return Future.failedFuture(ErrorCode.CONFLICT.failure("The cart already holds " + settings.maxLines()
        + " different products, the most it can.", new JsonObject().put("max_lines", settings.maxLines())));
    }
    // a new line: the buyer sees this price in the reply, so it counts as seen
    return CartRepository.insertLine(tx, cartId, new CartLine(product.id(), quantity, product.title(), product.price(), null));
  }

  // ---- cart.update-item, cart.remove-item

  Future<JsonObject> updateItem(CartRequests.ItemQuantity request, Message<JsonObject> msg) {
    UUID productId = request.productId();
    return write(msg, (tx, cart) -> CartRepository.setQuantity(tx, cart.id(), productId, request.quantity())
      .compose(rows -> rows == 1 ? Future.succeededFuture() : Future.failedFuture(notInCart(productId))));
  }

  Future<JsonObject> removeItem(CartRequests.ProductRef request, Message<JsonObject> msg) {
    UUID productId = request.productId();
    return write(msg, (tx, cart) -> CartRepository.deleteLine(tx, cart.id(), productId)
      .compose(rows -> rows == 1 ? Future.succeededFuture() : Future.failedFuture(notInCart(productId))));
  }

  // ---- cart.accept-prices

  Future<JsonObject> acceptPrices(CartRequests.AcceptPrices request, Message<JsonObject> msg) {
    Map<UUID, Money> accepted = new LinkedHashMap<>();
    request.items().forEach(item -> accepted.put(item.productId(), item.price()));
    return neighbours.products(msg, accepted.keySet()).compose(products -> {
      List<String> moved = new ArrayList<>();
      for (Map.Entry<UUID, Money> entry : accepted.entrySet()) {
        CatalogProduct product = products.get(entry.getKey());
        if (product == null || product.deleted()) {
          return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("The product " + entry.getKey()
            + " is no longer sold; remove it from the cart.", new JsonObject().put("product_id", entry.getKey().toString())));
        }
        if (!product.price().equals(entry.getValue())) {
          moved.add(entry.getKey().toString());
        }
      }
      if (!moved.isEmpty()) {
        return Future.failedFuture(ErrorCode.PRICE_CHANGED.failure(
          "A price changed again since the cart was read; read it and accept the prices it shows.",
          new JsonObject().put("product_ids", new JsonArray(moved))));
      }
      return write(msg, (tx, cart) -> CartRepository.lines(tx, cart.id()).compose(lines -> {
        Set<UUID> inCart = new HashSet<>();
        lines.forEach(l -> inCart.add(l.productId()));
        for (UUID productId : accepted.keySet()) {
          if (!inCart.contains(productId)) {
            return Future.failedFuture(notInCart(productId));
          }
        }
        return sequence(new ArrayList<>(accepted.entrySet()),
          e -> CartRepository.setSeenPrice(tx, cart.id(), e.getKey(), e.getValue()));
      }));
    });
  }

  // ---- cart.merge

  Future<JsonObject> merge(CartRequests.Merge request, Message<JsonObject> msg) {
    String userId = Caller.of(msg).requireUser();
    String guestId = request.guestCartId();
    if (!GuestCartIds.wellFormed(guestId)) {
      return Future.failedFuture(noSuchCart());
    }
    String guestHash = GuestCartIds.hash(guestId);
    JsonObject report = new JsonObject().put("capped_product_ids", new JsonArray()).put("dropped_product_ids", new JsonArray());
    return pool.withTransaction(tx -> CartRepository.lockGuestCart(tx, guestHash).compose(guestCart -> {
      if (guestCart.isEmpty()) {
        // gone: merged before (a retry by the same user is answered the same way) or never a guest cart
        return CartRepository.mergedBy(tx, guestHash).compose(mergedBy -> mergedBy.filter(userId::equals).isPresent()
          ? CartRepository.lockOrCreateUserCart(tx, userId, settings.currency()).map(c -> c.id())
          : Future.failedFuture(noSuchCart()));
      }
      return CartRepository.lockOrCreateUserCart(tx, userId, settings.currency()).compose(userCart ->
        Future.all(CartRepository.lines(tx, guestCart.get()), CartRepository.lines(tx, userCart.id()))
          .compose(both -> mergeLines(tx, userCart.id(), both.resultAt(0), both.resultAt(1), report))
          .compose(x -> CartRepository.deleteCart(tx, guestCart.get()))
          .compose(x -> CartRepository.recordMerge(tx, guestHash, userId))
          .compose(x -> CartRepository.touch(tx, userCart.id()))
          .map(userCart.id()));
    })).compose(cartId -> view(msg, cartId, cartId.toString(), CartView.USER)).map(view -> view.put("merge", report));
  }

  private Future<Void> mergeLines(SqlClient tx, UUID userCartId, List<CartLine> guestLines, List<CartLine> userLines, JsonObject report) {
    Map<UUID, CartLine> mine = new HashMap<>();
    userLines.forEach(l -> mine.put(l.productId(), l));
    int lineCount = userLines.size();
    List<Function<SqlClient, Future<Void>>> writes = new ArrayList<>();
    for (CartLine guest : guestLines) {
      CartLine own = mine.get(guest.productId());
      if (own != null) {
        long sum = (long) own.quantity() + guest.quantity();
        if (sum > settings.maxQuantityPerLine()) {
          report.getJsonArray("capped_product_ids").add(guest.productId().toString());
        }
        // the more recently seen price is what the buyer last saw
        CartLine newer = guest.seenAt().isAfter(own.seenAt()) ? guest : own;
        CartLine merged = newer.withQuantity((int) Math.min(sum, settings.maxQuantityPerLine()));
        writes.add(c -> CartRepository.setMergedLine(c, userCartId, merged));
      } else if (lineCount < settings.maxLines()) {
        lineCount++;
        writes.add(c -> CartRepository.insertLine(c, userCartId, guest));
      } else {
        report.getJsonArray("dropped_product_ids").add(guest.productId().toString());
      }
    }
    return sequence(writes, w -> w.apply(tx));
  }

  // ---- cart.checkout-view (internal)

  Future<CartApi.CheckoutView> checkoutView(CartApi.CartOfUser request, Message<JsonObject> msg) {
    UUID cartId = request.cartId();
    String userId = request.userId();
    return CartRepository.linesIfOwned(pool, cartId, userId)
      .compose(owned -> owned.isPresent() ? Future.succeededFuture(owned.get()) : Future.<List<CartLine>>failedFuture(noSuchCart()))
      .compose(lines -> {
        if (lines.isEmpty()) {
          return Future.failedFuture(ErrorCode.CART_EMPTY.failure("The cart is empty."));
        }
        return neighbours.products(msg, lines.stream().map(CartLine::productId).toList())
          .compose(products -> checkoutLines(cartId, lines, products));
      });
  }

  private Future<CartApi.CheckoutView> checkoutLines(UUID cartId, List<CartLine> lines, Map<UUID, CatalogProduct> products) {
    JsonArray gone = new JsonArray();
    JsonArray changed = new JsonArray();
    List<CartApi.CheckoutView.Line> out = new ArrayList<>();
    long total = 0;
    for (CartLine line : lines) {
      CatalogProduct product = products.get(line.productId());
      if (product == null || product.deleted()) {
        gone.add(line.productId().toString());
        continue;
      }
      if (!product.price().equals(line.seenPrice())) {
        changed.add(line.productId().toString());
        continue;
      }
      total = Math.addExact(total, Math.multiplyExact(product.price().amount(), (long) line.quantity()));
      out.add(new CartApi.CheckoutView.Line(line.productId().toString(), product.sellerId(), product.title(), line.quantity(), product.price(), false));
    }
    if (!gone.isEmpty()) {
      return Future.failedFuture(ErrorCode.OUT_OF_STOCK.failure("Some products in the cart are no longer sold.",
        new JsonObject().put("product_ids", gone)));
    }
    if (!changed.isEmpty()) {
      return Future.failedFuture(ErrorCode.PRICE_CHANGED.failure("Some prices changed since the buyer last saw them.",
        new JsonObject().put("product_ids", changed)));
    }
    return Future.succeededFuture(new CartApi.CheckoutView(cartId, settings.currency(), out, new Money(total, settings.currency())));
  }

  // ---- cart.clear (internal)

  Future<Void> clear(CartApi.Clear request) {
    UUID cartId = request.cartId();
    String userId = request.userId();
    UUID orderId = request.orderId();
    return pool.withTransaction(tx -> CartRepository.lockOwnedBy(tx, cartId, userId)
      .compose(owned -> owned ? CartRepository.recordClear(tx, orderId, cartId) : Future.failedFuture(noSuchCart()))
      .compose(firstTime -> firstTime ? CartRepository.deleteLines(tx, cartId) : Future.succeededFuture()))
      .mapEmpty();
  }

  // ---- shared steps

  @FunctionalInterface
  private interface CartWrite {
    Future<Void> apply(SqlClient tx, LockedCart cart);
  }

  /** A write to the caller's existing cart in one transaction, answered with the cart view. */
  private Future<JsonObject> write(Message<JsonObject> msg, CartWrite change) {
    Owner owner = Owner.of(msg);
    return pool.withTransaction(tx -> lockForWrite(tx, owner, false)
        .compose(cart -> once(tx, owner, cart, () -> change.apply(tx, cart).compose(x -> CartRepository.touch(tx, cart.id())))))
      .compose(cart -> view(msg, cart.id(), cart.publicId(), owner.kind()));
  }

  /**
   * Runs {@code change} on the locked cart unless the request was applied already; the cart as the
   * request's first application answered it (with its {@code created}).
   */
  private Future<LockedCart> once(SqlClient tx, Owner owner, LockedCart cart, java.util.function.Supplier<Future<Void>> change) {
    if (owner.requestId() == null) {
      return change.get().map(cart);
    }
    return CartRepository.recordRequest(tx, RequestIds.hash(owner.requestId()), cart.id(), cart.created()).compose(applied -> {
      if (applied.isEmpty()) {
        return change.get().map(cart);
      }
      if (!applied.get().cartId().equals(cart.id())) {
        // an id recorded for another cart is never a repeat of this request
        return Future.failedFuture(ErrorCode.CONFLICT.failure("This request id was used for another cart."));
      }
      return Future.succeededFuture(new LockedCart(cart.id(), cart.publicId(), applied.get().created()));
    });
  }

  /** Locks the caller's cart; creates it when {@code create} and the caller has none (a guest without an id). */
  private Future<LockedCart> lockForWrite(SqlClient tx, Owner owner, boolean create) {
    if (owner.isUser()) {
      if (create) {
        return CartRepository.lockOrCreateUserCart(tx, owner.userId(), settings.currency())
          .map(c -> new LockedCart(c.id(), c.id().toString(), c.created()));
      }
      return CartRepository.lockUserCart(tx, owner.userId()).compose(found -> found
        .map(id -> Future.succeededFuture(new LockedCart(id, id.toString(), false)))
        .orElseGet(() -> Future.failedFuture(ErrorCode.NOT_FOUND.failure("The cart is empty: there is nothing to change."))));
    }
    if (owner.guestId() == null) {
      if (!create) {
        return Future.failedFuture(noSuchCart());
      }
      if (owner.requestId() != null) {
        // the same id on every attempt of this request: a repeat finds the cart its first attempt made
        String derivedId = RequestIds.derive(owner.requestId(), "guest-cart");
        String hash = GuestCartIds.hash(derivedId);
        return CartRepository.createGuestCartOnce(tx, UUID.randomUUID(), hash, settings.currency())
          .compose(created -> CartRepository.lockGuestCart(tx, hash)
            .map(found -> new LockedCart(found.orElseThrow(), derivedId, created)));
      }
      String newId = GuestCartIds.newId();
      return CartRepository.createGuestCart(tx, GuestCartIds.hash(newId), settings.currency())
        .map(id -> new LockedCart(id, newId, true));
    }
    if (!GuestCartIds.wellFormed(owner.guestId())) {
      return Future.failedFuture(noSuchCart());
    }
    return CartRepository.lockGuestCart(tx, GuestCartIds.hash(owner.guestId())).compose(found -> found
      .map(id -> Future.succeededFuture(new LockedCart(id, owner.guestId(), false)))
      .orElseGet(() -> Future.failedFuture(noSuchCart())));
  }

  /** The stored cart at current prices, with availability when inventory answers. */
  private Future<JsonObject> view(Message<?> msg, UUID cartId, String publicId, String kind) {
    return CartRepository.lines(pool, cartId).compose(lines -> {
      List<UUID> ids = lines.stream().map(CartLine::productId).toList();
      Future<Map<UUID, CatalogProduct>> products = neighbours.products(msg, ids);
      Future<Map<UUID, Long>> availability = neighbours.availability(msg, ids);
      return Future.all(products, availability).map(x ->
        CartView.render(publicId, kind, settings.currency(), lines, products.result(), availability.result()));
    });
  }

  private static <T> Future<Void> sequence(List<T> items, Function<T, Future<Void>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(x -> step.apply(item));
    }
    return chain;
  }

  private static RuntimeException noSuchCart() {
    return ErrorCode.NOT_FOUND.failure("There is no such cart: it may have expired or been merged into a user's cart.");
  }

  private static RuntimeException notInCart(UUID productId) {
    return ErrorCode.NOT_FOUND.failure("The product " + productId + " is not in the cart.",
      new JsonObject().put("product_id", productId.toString()));
  }
}
