package dev.marketplace.notification;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TemplatesTest {
  private static final String ORDER = "0a1b2c3d-0000-4000-8000-000000000000";

  @Test
  void everyTemplateRendersInRussianAndEnglish() {
    JsonObject data = new JsonObject().put("total", new JsonObject().put("amount", 990).put("currency", "RUB"));
    for (String template : new String[] {Templates.PLACED, Templates.PAID, Templates.CANCELLED, Templates.REFUNDED, Templates.SHIPPED}) {
      for (String language : Templates.LANGUAGES) {
        Templates.Message m = Templates.render(template, language, "Ира", ORDER, data);
        assertThat(m.subject()).contains("№0A1B2C3D");
        assertThat(m.text()).contains("№0A1B2C3D");
        assertThat(m.shortText()).hasSizeLessThan(160);
      }
    }
  }

  @Test
  void cancellationGivesTheReasonInWords() {
    JsonObject data = new JsonObject().put("reason", "OUT_OF_STOCK");
    assertThat(Templates.render(Templates.CANCELLED, "ru", null, ORDER, data).text()).contains("товара не оказалось в наличии");
    assertThat(Templates.render(Templates.CANCELLED, "en", null, ORDER, data).text()).contains("an item is out of stock");
  }

  @Test
  void moneyIsFormattedFromMinorUnitsWithoutFloats() {
    assertThat(Templates.formatMoney(123456789, "RUB", true)).isEqualTo("1\u00a0234\u00a0567,89\u00a0₽");
    assertThat(Templates.formatMoney(5, "RUB", false)).isEqualTo("0.05 RUB");
    assertThat(Templates.formatMoney(100000, "USD", false)).isEqualTo("1,000.00 USD");
  }

  @Test
  void onlyEventsABuyerCaresAboutNotify() {
    assertThat(Templates.forEventType("OrderCreated")).isNull();
    assertThat(Templates.forEventType("PaymentStarted")).isNull();
    assertThat(Templates.forEventType("PaymentRefunded")).isEqualTo(Templates.REFUNDED);
    assertThat(Templates.forEventType("OrderAwaitingPayment")).isEqualTo(Templates.PLACED);
  }
}
