package dev.marketplace.contracts.json;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JsonValidatorTest {

  @Test
  void collectsEveryProblemWithItsField() {
    JsonObject body = new JsonObject()
      .put("title", " ")
      .put("quantity", 2.5)
      .put("price", new JsonObject().put("amount", -1).put("currency", "rub"))
      .put("owner_id", "someone-else");
    JsonValidator v = JsonValidator.of(body).allowOnly("title", "quantity", "price");
    v.requiredString("title", 1, 200);
    v.requiredLong("quantity", 1, 99);
    v.requiredMoney("price", 1_000_000_00L);
    v.requiredString("description", 1, 10);

    ReplyException failure = catchThrowableOfType(v::throwIfInvalid, ReplyException.class);
    ServiceFailure decoded = ServiceFailure.from(failure);
    assertThat(decoded.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    JsonArray errors = decoded.extra().getJsonArray("errors");
    List<String> fields = errors.stream().map(e -> ((JsonObject) e).getString("field")).toList();
    assertThat(fields).containsExactlyInAnyOrder("owner_id", "title", "quantity", "price.amount", "price.currency", "description");
  }

  @Test
  void acceptsAValidBodyAndTrimsStrings() {
    JsonValidator v = JsonValidator.of(new JsonObject().put("name", "  Ann ").put("quantity", 3)
      .put("price", new JsonObject().put("amount", 1999).put("currency", "RUB")));
    assertThat(v.requiredString("name", 1, 10)).isEqualTo("Ann");
    assertThat(v.requiredLong("quantity", 1, 99)).isEqualTo(3L);
    assertThat(v.requiredMoney("price", 100_000L)).isEqualTo(new JsonObject().put("amount", 1999L).put("currency", "RUB"));
    v.throwIfInvalid();
    assertThat(v.valid()).isTrue();
  }

  @Test
  void refusesNumbersThatAreNotIntegersOrOutOfRange() {
    JsonValidator v = JsonValidator.of(new JsonObject().put("a", "3").put("b", true).put("c", 1e30).put("d", 0));
    v.requiredLong("a", 0, 10);
    v.requiredLong("b", 0, 10);
    v.requiredLong("c", 0, 10);
    v.requiredLong("d", 1, 10);
    assertThat(v.errors()).hasSize(4);
  }

  @Test
  void uuidsMustBeWellFormed() {
    JsonValidator v = JsonValidator.of(new JsonObject().put("id", "not-a-uuid").put("ok", "123e4567-e89b-12d3-a456-426614174000"));
    assertThat(v.requiredUuid("id")).isNull();
    assertThat(v.requiredUuid("ok")).isNotNull();
    assertThat(v.errors()).hasSize(1);
  }
}
