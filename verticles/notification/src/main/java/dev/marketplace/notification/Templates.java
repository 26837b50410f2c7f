package dev.marketplace.notification;

import dev.marketplace.contracts.notification.NotificationRequests;

import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The messages in Russian and English. Each template renders a subject and a full text (email)
 * and a short line (SMS, push) from the event's data: the buyer's name, the order number, the
 * total and, for a cancellation, the reason in words.
 */
final class Templates {
  static final String PLACED = "order_placed";
  static final String PAID = "order_paid";
  static final String CANCELLED = "order_cancelled";
  static final String REFUNDED = "order_refunded";
  static final String SHIPPED = "order_shipped";

  static final Set<String> LANGUAGES = NotificationRequests.LANGUAGES;

  /** Which events notify, and with what. Other event types are not the buyer's business. */
  private static final Map<String, String> BY_EVENT_TYPE = Map.of(
    "OrderAwaitingPayment", PLACED,
    "OrderPaid", PAID,
    "OrderCancelled", CANCELLED,
    "OrderRefunded", REFUNDED,
    "PaymentRefunded", REFUNDED,
    "OrderShipped", SHIPPED);

  private static final Map<String, String> REASONS_RU = Map.of(
    "OUT_OF_STOCK", "товара не оказалось в наличии",
    "PAYMENT_DECLINED", "банк отклонил оплату",
    "PAYMENT_TIMEOUT", "оплата не поступила вовремя",
    "RESERVATION_EXPIRED", "истекло время резерва: заказ не был оплачен",
    "BUYER_CANCELLED", "вы отменили заказ",
    "PRICE_CHANGED", "изменилась цена товара",
    "PAYMENT_UNAVAILABLE", "оплата временно недоступна");

  private static final Map<String, String> REASONS_EN = Map.of(
    "OUT_OF_STOCK", "an item is out of stock",
    "PAYMENT_DECLINED", "the bank declined the payment",
    "PAYMENT_TIMEOUT", "the payment did not arrive in time",
    "RESERVATION_EXPIRED", "the reservation expired before the order was paid",
    "BUYER_CANCELLED", "you cancelled the order",
    "PRICE_CHANGED", "an item's price changed",
    "PAYMENT_UNAVAILABLE", "payment was temporarily unavailable");

  /** A rendered message. {@code shortText} fits an SMS or a push banner. */
  record Message(String subject, String text, String shortText) {
  }

  private Templates() {
  }

  /** The template for an event type, or {@code null} when the event notifies nobody. */
  static String forEventType(String eventType) {
    return BY_EVENT_TYPE.get(eventType);
  }

  static Message render(String template, String language, String name, String orderId, JsonObject data) {
    boolean ru = !"en".equals(language);
    String order = orderNumber(orderId);
    String total = total(data, ru);
    String greeting = ru
      ? (name == null || name.isBlank() ? "Здравствуйте!" : "Здравствуйте, " + name + "!")
      : (name == null || name.isBlank() ? "Hello," : "Hello " + name + ",");
    String reasonCode = data.getString("reason");
    String reason = reasonCode == null
      ? (ru ? "причина не указана" : "no reason was given")
      : (ru ? REASONS_RU : REASONS_EN).getOrDefault(reasonCode, reasonCode.toLowerCase(Locale.ROOT).replace('_', ' '));
    return switch (template) {
      case PLACED -> ru
        ? message("Заказ " + order + " оформлен и ждёт оплаты",
            greeting + "\n\nВаш заказ " + order + " на сумму " + total + " оформлен и ждёт оплаты. Товары зарезервированы за вами; оплатите заказ, пока резерв действует.",
            "Заказ " + order + " на " + total + " ждёт оплаты.")
        : message("Order " + order + " is placed and awaiting payment",
            greeting + "\n\nYour order " + order + " for " + total + " is placed and awaiting payment. The items are reserved for you; please pay before the reservation runs out.",
            "Order " + order + " for " + total + " is awaiting payment.");
      case PAID -> ru
        ? message("Заказ " + order + " оплачен",
            greeting + "\n\nМы получили оплату " + total + " за заказ " + order + ". Продавцы уже собирают его.",
            "Заказ " + order + " оплачен: " + total + ".")
        : message("Order " + order + " is paid",
            greeting + "\n\nWe received your payment of " + total + " for order " + order + ". The sellers are preparing it.",
            "Order " + order + " is paid: " + total + ".");
      case CANCELLED -> ru
        ? message("Заказ " + order + " отменён",
            greeting + "\n\nЗаказ " + order + " отменён: " + reason + ". Если деньги были списаны, мы их вернём.",
            "Заказ " + order + " отменён: " + reason + ".")
        : message("Order " + order + " is cancelled",
            greeting + "\n\nOrder " + order + " is cancelled: " + reason + ". If you were charged, the money will be returned.",
            "Order " + order + " is cancelled: " + reason + ".");
      case REFUNDED -> ru
        ? message("Возврат по заказу " + order,
            greeting + "\n\nМы вернули " + total + " за заказ " + order + ". Деньги поступят на карту в срок, установленный вашим банком.",
            "Возврат " + total + " по заказу " + order + " оформлен.")
        : message("Refund for order " + order,
            greeting + "\n\nWe refunded " + total + " for order " + order + ". Your bank will credit your card in its usual time.",
            "Refund of " + total + " for order " + order + " is on its way.");
      case SHIPPED -> ru
        ? message("Заказ " + order + " отправлен",
            greeting + "\n\nЗаказ " + order + " передан в доставку.",
            "Заказ " + order + " отправлен.")
        : message("Order " + order + " has shipped",
            greeting + "\n\nOrder " + order + " is on its way to you.",
            "Order " + order + " has shipped.");
      default -> throw new IllegalArgumentException("unknown template " + template);
    };
  }

  private static Message message(String subject, String text, String shortText) {
    return new Message(subject, text + "\n", shortText);
  }

  /** The first block of the order id, upper case: short enough to read out, long enough to find. */
  static String orderNumber(String orderId) {
    int dash = orderId.indexOf('-');
    return "№" + (dash > 0 ? orderId.substring(0, dash) : orderId).toUpperCase(Locale.ROOT);
  }

  /** The event's money ({@code total} for orders, {@code amount} for payments) in words of the language. */
  static String total(JsonObject data, boolean ru) {
    Object money = data.getValue("total", data.getValue("amount"));
    if (!(money instanceof JsonObject m) || !(m.getValue("amount") instanceof Number n)) {
      return ru ? "указанную сумму" : "the stated amount";
    }
    String currency = m.getString("currency", "RUB");
    return formatMoney(n.longValue(), currency, ru);
  }

  /** Minor units to text without floats: 123450 RUB is "1 234,50 ₽" (ru) or "1,234.50 RUB" (en). */
  static String formatMoney(long minorUnits, String currency, boolean ru) {
    long abs = Math.abs(minorUnits);
    String major = group(abs / 100, ru ? "\u00a0" : ",");
    String cents = String.format(Locale.ROOT, "%02d", abs % 100);
    String sign = minorUnits < 0 ? "-" : "";
    if (ru) {
      String symbol = "RUB".equals(currency) ? "₽" : currency;
      return sign + major + "," + cents + "\u00a0" + symbol;
    }
    return sign + major + "." + cents + " " + currency;
  }

  private static String group(long value, String separator) {
    String digits = Long.toString(value);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < digits.length(); i++) {
      if (i > 0 && (digits.length() - i) % 3 == 0) {
        out.append(separator);
      }
      out.append(digits.charAt(i));
    }
    return out.toString();
  }
}
