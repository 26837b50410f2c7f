package dev.marketplace.contracts.bus;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What a request codec says when it refuses a body: the tests of every component's request codecs read it the same way. */
public final class Refusals {
  private Refusals() {
  }

  /** field → message of the VALIDATION_FAILED that decoding {@code body} must throw. */
  public static Map<String, String> errors(Codec<?> codec, JsonObject body) {
    ReplyException e = catchThrowableOfType(ReplyException.class, () -> codec.decode(body));
    assertThat(e).as("refused: " + body).isNotNull();
    ServiceFailure failure = ServiceFailure.from(e);
    assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    return failure.extra().getJsonArray("errors").stream().map(JsonObject.class::cast)
      .collect(Collectors.toMap(x -> x.getString("field"), x -> x.getString("message")));
  }
}
